//! Merging defaults, the file and the environment into one checked [`Config`].

use crate::validate::validate;
use crate::{Config, ConfigError, ConfigProblem};
use std::collections::BTreeMap;
use std::path::PathBuf;
use toml::Value;

/// Where configuration comes from. The binary fills it from the command line and the process
/// environment; tests fill it by hand.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The TOML file given with `--config`, if any.
    pub file: Option<PathBuf>,
    /// Environment variables (name, value); only `SWITCHBOARD_*` names that match a key are used.
    pub env: Vec<(String, String)>,
    /// `--data-dir` from the command line; wins over everything.
    pub data_dir: Option<PathBuf>,
}

/// A leaf value and where it came from.
struct Entry {
    value: Value,
    source: String,
}

/// Loads, merges and validates the configuration, reporting every problem at once.
pub fn load(sources: &Sources) -> Result<Config, ConfigError> {
    let mut problems = Vec::new();
    let mut merged = defaults();
    if let Some(path) = &sources.file {
        apply_file(path, &mut merged, &mut problems);
    }
    apply_env(&sources.env, &mut merged, &mut problems);
    if let Some(dir) = &sources.data_dir {
        let value = Value::String(dir.to_string_lossy().into_owned());
        merged.insert(
            "data_dir".into(),
            Entry {
                value,
                source: "--data-dir".into(),
            },
        );
    }
    let config = build(&merged, &mut problems);
    if let Some(config) = &config {
        problems.extend(validate(config, &|key| source_of(&merged, key)));
    }
    match config {
        Some(config) if problems.is_empty() => Ok(config),
        _ => Err(ConfigError::Invalid(problems)),
    }
}

fn source_of(merged: &BTreeMap<String, Entry>, key: &str) -> String {
    merged
        .get(key)
        .map_or_else(|| "default".into(), |e| e.source.clone())
}

fn defaults() -> BTreeMap<String, Entry> {
    let table = Value::try_from(Config::default()).unwrap_or(Value::Table(Default::default()));
    let mut out = BTreeMap::new();
    flatten("", &table, &mut |key, value| {
        out.insert(
            key,
            Entry {
                value: value.clone(),
                source: "default".into(),
            },
        );
    });
    out
}

fn flatten(prefix: &str, value: &Value, out: &mut dyn FnMut(String, &Value)) {
    match value {
        Value::Table(table) => {
            for (k, v) in table {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        leaf => out(prefix.to_string(), leaf),
    }
}

fn apply_file(
    path: &PathBuf,
    merged: &mut BTreeMap<String, Entry>,
    problems: &mut Vec<ConfigProblem>,
) {
    let label = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return problems.push(problem(&label, &label, format!("cannot read file: {e}"))),
    };
    let table: Value = match toml::from_str(&text) {
        Ok(table) => table,
        Err(e) => return problems.push(problem(&label, &label, format!("not valid TOML: {e}"))),
    };
    flatten("", &table, &mut |key, value| {
        set_checked(merged, key, value.clone(), &label, problems);
    });
}

fn set_checked(
    merged: &mut BTreeMap<String, Entry>,
    key: String,
    value: Value,
    source: &str,
    problems: &mut Vec<ConfigProblem>,
) {
    let Some(entry) = merged.get_mut(&key) else {
        let msg = if merged.keys().any(|k| k.starts_with(&format!("{key}."))) {
            "expected a table (section)".to_string()
        } else {
            "unknown key".to_string()
        };
        return problems.push(problem(&key, source, msg));
    };
    if entry.value.type_str() != value.type_str() {
        let msg = format!(
            "expected {}, found {}",
            entry.value.type_str(),
            value.type_str()
        );
        return problems.push(problem(&key, source, msg));
    }
    *entry = Entry {
        value,
        source: source.to_string(),
    };
}

/// The environment variable that overrides `key`: `http.listen` → `SWITCHBOARD_HTTP_LISTEN`.
pub(crate) fn env_name(key: &str) -> String {
    format!("SWITCHBOARD_{}", key.replace('.', "_").to_ascii_uppercase())
}

fn apply_env(
    env: &[(String, String)],
    merged: &mut BTreeMap<String, Entry>,
    problems: &mut Vec<ConfigProblem>,
) {
    let keys: Vec<String> = merged.keys().cloned().collect();
    for key in keys {
        let name = env_name(&key);
        let Some((_, raw)) = env.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let Some(entry) = merged.get_mut(&key) else {
            continue;
        };
        match parse_like(&entry.value, raw) {
            Ok(value) => {
                *entry = Entry {
                    value,
                    source: name,
                }
            }
            Err(msg) => problems.push(problem(&key, &name, msg)),
        }
    }
}

fn parse_like(template: &Value, raw: &str) -> Result<Value, String> {
    match template {
        Value::Integer(_) => raw
            .trim()
            .parse::<i64>()
            .map(Value::Integer)
            .map_err(|_| format!("expected an integer, found {raw:?}")),
        Value::Boolean(_) => match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Value::Boolean(true)),
            "false" | "0" | "no" | "off" => Ok(Value::Boolean(false)),
            _ => Err(format!("expected true or false, found {raw:?}")),
        },
        _ => Ok(Value::String(raw.to_string())),
    }
}

fn build(merged: &BTreeMap<String, Entry>, problems: &mut Vec<ConfigProblem>) -> Option<Config> {
    let mut root = toml::Table::new();
    for (key, entry) in merged {
        insert_dotted(&mut root, key, entry.value.clone());
    }
    match Value::Table(root).try_into::<Config>() {
        Ok(config) => Some(config),
        Err(e) => {
            // Types were checked key by key; this catches range errors such as a negative port.
            problems.push(problem("config", "merged", e.to_string()));
            None
        }
    }
}

fn insert_dotted(root: &mut toml::Table, key: &str, value: Value) {
    match key.split_once('.') {
        None => {
            root.insert(key.to_string(), value);
        }
        Some((head, rest)) => {
            let child = root
                .entry(head.to_string())
                .or_insert_with(|| Value::Table(toml::Table::new()));
            if let Value::Table(child) = child {
                insert_dotted(child, rest, value);
            }
        }
    }
}

pub(crate) fn problem(key: &str, source: &str, message: String) -> ConfigProblem {
    ConfigProblem {
        key: key.to_string(),
        source: source.to_string(),
        message,
    }
}
