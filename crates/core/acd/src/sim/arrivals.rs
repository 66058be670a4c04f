//! Drawing the arrivals of a scenario in advance.

use super::prng::SplitMix64;
use super::scenario::{ArrivalStream, Distribution, Scenario, SkillNeed, TimedArrival};
use crate::AcdError;
use crate::config::SkillRequirement;
use sb_types::{InteractionId, QueueId};

/// Most arrivals one scenario may generate.
const MAX_ARRIVALS: usize = 2_000_000;

/// One arrival.
pub(super) struct Arrival {
    pub id: InteractionId,
    pub queue: QueueId,
    pub at_ms: i64,
    pub handle_ms: i64,
    pub patience_ms: Option<i64>,
    pub priority: Option<i32>,
    pub skills: Vec<SkillRequirement>,
}

/// Seconds to whole milliseconds (saturating).
pub(super) fn secs_ms(s: f64) -> i64 {
    (s * 1000.0).round() as i64
}

/// Every arrival of every stream, ids numbered from 1 in drawing order.
pub(super) fn draw_all(sc: &Scenario, rng: &mut SplitMix64) -> Result<Vec<Arrival>, AcdError> {
    let mut out = Vec::new();
    for stream in &sc.arrivals {
        match stream {
            ArrivalStream::Poisson { .. } => poisson(stream, rng, &mut out)?,
            ArrivalStream::List { queue, items } => list(*queue, items, &mut out)?,
        }
    }
    Ok(out)
}

fn push(out: &mut Vec<Arrival>, a: Arrival) -> Result<(), AcdError> {
    if out.len() >= MAX_ARRIVALS {
        return Err(AcdError::Scenario(format!(
            "more than {MAX_ARRIVALS} arrivals"
        )));
    }
    out.push(a);
    Ok(())
}

fn next_id(out: &[Arrival]) -> InteractionId {
    InteractionId::from_u128(out.len() as u128 + 1)
}

fn requirements(skills: &[SkillNeed]) -> Vec<SkillRequirement> {
    skills
        .iter()
        .map(|s| SkillRequirement {
            skill: s.skill,
            max_proficiency: s.max_proficiency,
        })
        .collect()
}

/// Poisson arrivals: exponential gaps of mean 3600 / rate seconds.
fn poisson(
    stream: &ArrivalStream,
    rng: &mut SplitMix64,
    out: &mut Vec<Arrival>,
) -> Result<(), AcdError> {
    let ArrivalStream::Poisson {
        queue,
        rate_per_hour,
        from_secs,
        until_secs,
        handle,
        patience,
        priority,
        skills,
    } = stream
    else {
        return Ok(());
    };
    if *rate_per_hour <= 0.0 {
        return Ok(());
    }
    let skills = requirements(skills);
    let mean_gap = 3600.0 / rate_per_hour;
    let mut t = *from_secs as f64;
    loop {
        t += rng.exponential(mean_gap);
        if t >= *until_secs as f64 {
            return Ok(());
        }
        let a = drawn(
            out,
            rng,
            (*queue, t),
            handle,
            patience.as_ref(),
            *priority,
            &skills,
        );
        push(out, a)?;
    }
}

fn drawn(
    out: &[Arrival],
    rng: &mut SplitMix64,
    (queue, t): (QueueId, f64),
    handle: &Distribution,
    patience: Option<&Distribution>,
    priority: Option<i32>,
    skills: &[SkillRequirement],
) -> Arrival {
    let handle_ms = secs_ms(rng.sample(handle));
    let patience_ms = patience.map(|d| secs_ms(rng.sample(d)));
    Arrival {
        id: next_id(out),
        queue,
        at_ms: secs_ms(t),
        handle_ms,
        patience_ms,
        priority,
        skills: skills.to_vec(),
    }
}

/// A recorded list, as is.
fn list(queue: QueueId, items: &[TimedArrival], out: &mut Vec<Arrival>) -> Result<(), AcdError> {
    for item in items {
        let a = Arrival {
            id: next_id(out),
            queue,
            at_ms: secs_ms(item.at_secs),
            handle_ms: secs_ms(item.handle_secs),
            patience_ms: item.patience_secs.map(secs_ms),
            priority: item.priority,
            skills: Vec::new(),
        };
        push(out, a)?;
    }
    Ok(())
}
