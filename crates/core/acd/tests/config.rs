//! Configuration documents: JSON with defaults, JSON Schema, validation.

use sb_acd::sim::Scenario;
use sb_acd::{Acd, AcdConfig, AcdError, QueueConfig, Strategy};
use sb_types::{Channel, QueueId, TenantId, Timestamp};

#[test]
fn minimal_queue_json_gets_documented_defaults() {
    let json = r#"{"id":"00000000-0000-0000-0000-000000000001","channel":"chat"}"#;
    let q: QueueConfig = serde_json::from_str(json).expect("parses");
    assert_eq!(q, QueueConfig::new(QueueId::from_u128(1), Channel::Chat));
    assert_eq!(
        (q.service_level_secs, q.offer_timeout_secs, q.strategy),
        (20, 20, Strategy::LongestIdle)
    );
    assert!(q.keep_arrival_on_transfer);
}

#[test]
fn acd_config_round_trips_through_json() {
    let text = include_str!("../../../../examples/simulate.yaml");
    let scenario: Scenario = serde_yaml_ng::from_str(text).expect("example parses");
    let config = AcdConfig {
        tenant: TenantId::from_u128(1),
        settings: scenario.settings.clone(),
        queues: scenario.queues.clone(),
        agents: vec![],
    };
    let json = serde_json::to_string(&config).expect("serialises");
    assert_eq!(
        serde_json::from_str::<AcdConfig>(&json).expect("parses"),
        config
    );
}

#[test]
fn json_schemas_describe_the_configuration_and_the_scenario() {
    let schema = serde_json::to_string(&schemars::schema_for!(AcdConfig)).expect("schema");
    for field in [
        "bullseye",
        "acceleration_per_min",
        "exclusive",
        "preferred_agent_timeout_secs",
    ] {
        assert!(schema.contains(field), "schema names {field}");
    }
    let schema = serde_json::to_string(&schemars::schema_for!(Scenario)).expect("schema");
    assert!(schema.contains("rate_per_hour"));
}

#[test]
fn out_of_range_proficiency_is_refused_with_the_field_named() {
    let mut q = QueueConfig::new(QueueId::from_u128(1), Channel::Voice);
    q.bullseye.push(sb_acd::BullseyeStep {
        after_secs: 10,
        max_proficiency: 11,
    });
    let config = AcdConfig {
        tenant: TenantId::from_u128(1),
        settings: Default::default(),
        queues: vec![q],
        agents: vec![],
    };
    let err = Acd::new(config, Timestamp::EPOCH).expect_err("refused");
    assert!(
        matches!(err, AcdError::InvalidConfig { ref field, .. } if field == "bullseye.max_proficiency"),
        "{err}"
    );
}

#[test]
fn inputs_and_commands_round_trip_through_json_for_the_event_log() {
    use sb_acd::{AcdCommand, AcdInput, Enqueue, Presence};
    let queue = QueueConfig::new(QueueId::from_u128(1), Channel::Voice);
    let agent = sb_acd::AgentConfig::new(sb_types::AgentId::from_u128(1));
    let inputs = vec![
        AcdInput::UpsertQueue(queue),
        AcdInput::UpsertAgent(agent.clone()),
        AcdInput::SetAgentState {
            agent: agent.id,
            state: Presence::Available,
        },
        AcdInput::Enqueue(Enqueue::new(
            sb_types::InteractionId::from_u128(5),
            QueueId::from_u128(1),
        )),
        AcdInput::Accept {
            interaction: sb_types::InteractionId::from_u128(5),
            agent: agent.id,
        },
        AcdInput::Complete {
            interaction: sb_types::InteractionId::from_u128(5),
        },
        AcdInput::Tick,
    ];
    let config = AcdConfig {
        tenant: TenantId::from_u128(1),
        settings: Default::default(),
        queues: vec![],
        agents: vec![],
    };
    let mut acd = Acd::new(config, Timestamp::EPOCH).expect("empty config");
    let mut commands: Vec<AcdCommand> = Vec::new();
    for input in inputs {
        let json = serde_json::to_string(&input).expect("input serialises");
        assert_eq!(
            serde_json::from_str::<AcdInput>(&json).expect("input parses"),
            input
        );
        acd.handle(Timestamp::from_secs(1), input)
            .expect("accepted");
        commands.extend(std::iter::from_fn(|| acd.poll_command()));
    }
    assert!(commands.len() >= 5, "{commands:?}");
    for c in commands {
        let json = serde_json::to_string(&c).expect("command serialises");
        assert_eq!(
            serde_json::from_str::<AcdCommand>(&json).expect("command parses"),
            c
        );
    }
}
