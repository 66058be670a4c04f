use std::fmt;

/// One problem found in the configuration, with the key at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The dotted key (`http.listen`), or the file name when the file itself is unreadable.
    pub key: String,
    /// Where the bad value came from (`config.toml`, `SWITCHBOARD_HTTP_LISTEN`, `default`).
    pub source: String,
    /// What is wrong, in words an admin can act on.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (from {}): {}", self.key, self.source, self.message)
    }
}

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration has one or more problems; all of them are listed.
    #[error("invalid configuration:\n{}", list(.0))]
    Invalid(Vec<ConfigProblem>),
}

fn list(problems: &[ConfigProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl ConfigError {
    /// The problems found.
    pub fn problems(&self) -> &[ConfigProblem] {
        match self {
            ConfigError::Invalid(p) => p,
        }
    }
}
