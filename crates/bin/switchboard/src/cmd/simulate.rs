//! `switchboard simulate`: the real ACD over a scenario, with a simulated clock.

use crate::cli::Format;
use crate::exit::bad_input;
use sb_acd::sim::Scenario;
use std::path::Path;

/// Runs the scenario and prints the report.
pub fn run(file: &Path, format: Format) -> anyhow::Result<()> {
    let scenario: Scenario = super::flow::parse(file)?;
    let report =
        sb_acd::sim::run(&scenario).map_err(|e| bad_input(format!("{}: {e}", file.display())))?;
    match format {
        Format::Yaml => print!("{}", serde_yaml_ng::to_string(&report)?),
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
    }
    Ok(())
}
