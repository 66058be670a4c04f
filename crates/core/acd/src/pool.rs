//! Ready-agent indexes. One pool per (skill, channel), split into ten proficiency tiers, each
//! tier ordered three ways (idle since, load, last offer) so every strategy reads its best
//! candidates from the front of a sorted set instead of scanning agents.

use crate::interaction::AIdx;
use sb_types::Timestamp;
use std::collections::BTreeSet;

/// Index of a pool in the ACD's table.
pub(crate) type PoolIdx = u32;

/// The keys under which an agent is indexed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ReadyKeys {
    pub idle_since: Timestamp,
    pub load: u16,
    pub rr: u64,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Tier {
    pub idle: BTreeSet<(Timestamp, AIdx)>,
    pub load: BTreeSet<(u16, Timestamp, AIdx)>,
    pub rr: BTreeSet<(u64, AIdx)>,
}

/// Ready agents having one skill, for one channel.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pool {
    pub tiers: [Tier; 10],
}

fn tier_index(tier: u8) -> usize {
    usize::from(tier.clamp(1, 10) - 1)
}

impl Pool {
    pub fn insert(&mut self, tier: u8, agent: AIdx, k: ReadyKeys) {
        if let Some(t) = self.tiers.get_mut(tier_index(tier)) {
            t.idle.insert((k.idle_since, agent));
            t.load.insert((k.load, k.idle_since, agent));
            t.rr.insert((k.rr, agent));
        }
    }

    pub fn remove(&mut self, tier: u8, agent: AIdx, k: ReadyKeys) {
        if let Some(t) = self.tiers.get_mut(tier_index(tier)) {
            t.idle.remove(&(k.idle_since, agent));
            t.load.remove(&(k.load, k.idle_since, agent));
            t.rr.remove(&(k.rr, agent));
        }
    }

    /// Tiers 1..=max_tier.
    pub fn upto(&self, max_tier: u8) -> &[Tier] {
        self.tiers
            .get(..=tier_index(max_tier))
            .unwrap_or(&self.tiers[..])
    }

    /// How many agents are ready in tiers 1..=max_tier.
    pub fn count(&self, max_tier: u8) -> usize {
        self.upto(max_tier).iter().map(|t| t.idle.len()).sum()
    }
}

/// Merges several sorted sets into one ascending stream.
pub(crate) struct Merge<'a, K> {
    heads: Vec<std::iter::Peekable<std::collections::btree_set::Iter<'a, K>>>,
}

impl<'a, K: Ord> Merge<'a, K> {
    pub fn new(sets: impl Iterator<Item = &'a BTreeSet<K>>) -> Self {
        Merge {
            heads: sets.map(|s| s.iter().peekable()).collect(),
        }
    }
}

impl<'a, K: Ord> Iterator for Merge<'a, K> {
    type Item = &'a K;
    fn next(&mut self) -> Option<&'a K> {
        let mut best: Option<(usize, &'a K)> = None;
        for (i, h) in self.heads.iter_mut().enumerate() {
            if let Some(k) = h.peek().copied()
                && best.is_none_or(|(_, b)| k < b)
            {
                best = Some((i, k));
            }
        }
        let (i, k) = best?;
        self.heads.get_mut(i).and_then(|h| h.next());
        Some(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_yields_the_union_in_order() {
        let a: BTreeSet<u32> = [1, 4, 9].into();
        let b: BTreeSet<u32> = [2, 3, 10].into();
        let c = BTreeSet::new();
        let merged: Vec<u32> = Merge::new([&a, &b, &c].into_iter()).copied().collect();
        assert_eq!(merged, [1, 2, 3, 4, 9, 10]);
    }

    #[test]
    fn tiers_up_to_a_bound_hold_only_better_or_equal_proficiency() {
        let mut pool = Pool::default();
        let keys = ReadyKeys {
            idle_since: Timestamp::EPOCH,
            load: 0,
            rr: 0,
        };
        pool.insert(2, 7, keys);
        pool.insert(6, 8, keys);
        assert_eq!(pool.count(5), 1);
        assert_eq!(pool.count(10), 2);
        pool.remove(6, 8, keys);
        assert_eq!(pool.count(10), 1);
    }
}
