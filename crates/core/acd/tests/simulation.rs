//! The simulation module: the example scenario, determinism, a check against Erlang C, and
//! the effect of staffing.

use sb_acd::QueueConfig;
use sb_acd::sim::{self, AgentGroup, ArrivalStream, Distribution, Scenario, TimedArrival};
use sb_types::{Channel, QueueId};

fn example() -> Scenario {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../examples/simulate.yaml"
    );
    let text = std::fs::read_to_string(path).expect("examples/simulate.yaml");
    serde_yaml_ng::from_str(&text).expect("the example parses")
}

#[test]
fn example_scenario_loads_and_reports_every_queue() {
    let scenario = example();
    let report = sim::run(&scenario).expect("runs");
    assert_eq!(report.queues.len(), 4);
    let t = &report.total;
    assert!(t.offered > 1000, "a day of traffic: {t:?}");
    assert_eq!(t.offered, t.answered + t.abandoned + t.overflowed);
    assert_eq!(report.unfinished, 0);
    let sl = t.service_level.expect("service level");
    assert!((0.0..=1.0).contains(&sl));
    let occupancy = t.occupancy.expect("occupancy");
    assert!(occupancy > 0.2 && occupancy < 1.0, "{occupancy}");
    let email = &report.queues[3].metrics;
    assert_eq!(email.answered, 5, "every email handled");
    let json = serde_json::to_string(&report).expect("serialises");
    assert!(json.contains("service_level"));
}

#[test]
fn same_seed_gives_the_same_report() {
    let scenario = example();
    assert_eq!(sim::run(&scenario).ok(), sim::run(&scenario).ok());
}

fn single_queue(agents: u32, rate_per_hour: f64, aht: f64, hours: u64) -> Scenario {
    let queue = QueueConfig::new(QueueId::from_u128(1), Channel::Voice);
    Scenario {
        name: "erlang".into(),
        seed: 7,
        settings: Default::default(),
        queues: vec![queue],
        agents: vec![AgentGroup {
            name: "all".into(),
            count: agents,
            skills: vec![],
            capacity: Default::default(),
            shifts: vec![],
            answer_delay: Distribution::Fixed { secs: 0.0 },
            wrap_up: None,
        }],
        arrivals: vec![ArrivalStream::Poisson {
            queue: QueueId::from_u128(1),
            rate_per_hour,
            from_secs: 0,
            until_secs: hours * 3600,
            handle: Distribution::Exponential { mean_secs: aht },
            patience: None,
            priority: None,
            skills: vec![],
        }],
        max_duration_secs: None,
    }
}

/// Erlang C: probability of waiting and service level at `t` for `c` agents, load `a`.
fn erlang_c(c: u32, a: f64, aht: f64, t: f64) -> (f64, f64) {
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..c {
        term *= a / f64::from(k);
        sum += term;
    }
    let top = term * a / f64::from(c) * f64::from(c) / (f64::from(c) - a);
    let pw = top / (sum + top);
    let sl = 1.0 - pw * (-(f64::from(c) - a) * t / aht).exp();
    (pw, sl)
}

#[test]
fn simulated_service_level_matches_erlang_c() {
    let (c, rate, aht) = (12, 180.0, 200.0);
    let a = rate * aht / 3600.0;
    let (_, expected) = erlang_c(c, a, aht, 20.0);
    let report = sim::run(&single_queue(c, rate, aht, 40)).expect("runs");
    let sl = report.total.service_level.expect("sl");
    assert!(
        (sl - expected).abs() < 0.04,
        "simulated {sl:.3}, Erlang C {expected:.3}"
    );
    let occupancy = report.total.occupancy.expect("occupancy");
    assert!(
        (occupancy - a / f64::from(c)).abs() < 0.04,
        "occupancy {occupancy:.3}"
    );
    let aht_seen = report.total.aht_secs.expect("aht");
    assert!((aht_seen - aht).abs() < 10.0, "aht {aht_seen:.1}");
}

#[test]
fn more_agents_raise_the_service_level_and_cut_the_average_answer_time() {
    let few = sim::run(&single_queue(9, 180.0, 160.0, 8)).expect("runs");
    let many = sim::run(&single_queue(12, 180.0, 160.0, 8)).expect("runs");
    assert!(many.total.service_level > few.total.service_level);
    assert!(many.total.asa_secs < few.total.asa_secs);
}

#[test]
fn impatient_callers_abandon_and_count_against_the_service_level() {
    let mut s = single_queue(1, 0.0, 100.0, 1);
    s.arrivals = vec![ArrivalStream::List {
        queue: QueueId::from_u128(1),
        items: vec![
            TimedArrival {
                at_secs: 0.0,
                handle_secs: 100.0,
                patience_secs: None,
                priority: None,
            },
            TimedArrival {
                at_secs: 1.0,
                handle_secs: 100.0,
                patience_secs: Some(30.0),
                priority: None,
            },
            TimedArrival {
                at_secs: 2.0,
                handle_secs: 100.0,
                patience_secs: Some(10.0),
                priority: None,
            },
        ],
    }];
    let r = sim::run(&s).expect("runs").total;
    assert_eq!(
        (r.answered, r.abandoned, r.abandoned_after_target),
        (1, 2, 1)
    );
    assert_eq!(
        r.service_level,
        Some(0.5),
        "1 within target / (1 answered + 1 abandoned late)"
    );
    assert_eq!(r.abandonment_rate, Some(2.0 / 3.0));
    assert_eq!(r.max_wait_secs, 30.0);
}

#[test]
fn scenario_naming_an_unknown_queue_is_refused() {
    let mut s = single_queue(1, 10.0, 100.0, 1);
    s.queues.clear();
    assert!(matches!(sim::run(&s), Err(sb_acd::AcdError::Scenario(_))));
}

#[test]
#[ignore = "prints the example report"]
fn print_example_report() {
    let r = sim::run(&example()).expect("runs");
    println!("{}", serde_json::to_string_pretty(&r).expect("json"));
}
