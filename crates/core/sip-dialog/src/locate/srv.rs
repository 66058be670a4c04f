//! RFC 2782 ordering of SRV records: by priority, then weighted random within a priority.

use super::types::SrvRecord;
use crate::rng::SplitMix;

/// Orders `records` for trying: ascending priority; within a priority, repeatedly pick a record
/// with probability proportional to its weight, zero-weight records placed first so that they
/// keep a small chance (RFC 2782 "Usage rules"). Records whose target is `.` are dropped.
pub(crate) fn order(mut records: Vec<SrvRecord>, rng: &mut SplitMix) -> Vec<SrvRecord> {
    records.retain(|r| !r.target.trim_end_matches('.').is_empty());
    records.sort_by_key(|r| r.priority);
    let mut out = Vec::with_capacity(records.len());
    let mut rest = records.as_slice();
    while let Some(first) = rest.first() {
        let same = rest
            .iter()
            .take_while(|r| r.priority == first.priority)
            .count();
        let (group, tail) = rest.split_at(same);
        let mut group: Vec<SrvRecord> = group.to_vec();
        group.sort_by_key(|r| r.weight != 0);
        while !group.is_empty() {
            let total: u64 = group.iter().map(|r| u64::from(r.weight)).sum();
            // RFC 2782 draws in 0..=total so that a draw of 0 gives the zero-weight records
            // (placed first) their small chance; without any, 1..=total keeps the choice
            // exactly proportional to the weights.
            let has_zero = group.iter().any(|r| r.weight == 0);
            let draw = if has_zero || total == 0 {
                rng.up_to(total)
            } else {
                1 + rng.up_to(total - 1)
            };
            let mut running = 0u64;
            let pick = group
                .iter()
                .position(|r| {
                    running += u64::from(r.weight);
                    running >= draw
                })
                .unwrap_or(0);
            out.push(group.remove(pick));
        }
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn srv(priority: u16, weight: u16, target: &str) -> SrvRecord {
        SrvRecord {
            priority,
            weight,
            port: 5060,
            target: target.into(),
        }
    }

    #[test]
    fn lower_priority_always_comes_first_whatever_the_weights() {
        for seed in 0..200 {
            let got = order(
                vec![srv(20, 65_000, "b"), srv(10, 0, "a"), srv(30, 1, "c")],
                &mut SplitMix::new(seed),
            );
            let names: Vec<_> = got.iter().map(|r| r.target.as_str()).collect();
            assert_eq!(names, ["a", "b", "c"]);
        }
    }

    #[test]
    fn weights_share_first_place_in_proportion() {
        let mut first_heavy = 0;
        for seed in 0..4000 {
            let got = order(
                vec![srv(10, 1, "light"), srv(10, 3, "heavy")],
                &mut SplitMix::new(seed),
            );
            assert_eq!(got.len(), 2);
            if got[0].target == "heavy" {
                first_heavy += 1;
            }
        }
        // Expected 3000 of 4000 (75 %); allow a generous band.
        assert!((2800..=3200).contains(&first_heavy), "{first_heavy}");
    }

    #[test]
    fn zero_weight_is_rarely_first_among_weighted_records() {
        let zero_first = (0..2000)
            .filter(|seed| {
                order(
                    vec![srv(1, 50, "w"), srv(1, 0, "z")],
                    &mut SplitMix::new(*seed),
                )[0]
                .target
                    == "z"
            })
            .count();
        // Only a draw of exactly 0 out of 0..=50 picks it: about 1/51.
        assert!(zero_first < 100, "{zero_first}");
    }

    #[test]
    fn dot_target_means_no_service_and_the_same_seed_gives_the_same_order() {
        assert!(order(vec![srv(0, 0, ".")], &mut SplitMix::new(1)).is_empty());
        let records: Vec<_> = (0..8).map(|i| srv(1, 10, &format!("h{i}"))).collect();
        assert_eq!(
            order(records.clone(), &mut SplitMix::new(5)),
            order(records, &mut SplitMix::new(5))
        );
    }
}
