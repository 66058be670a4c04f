//! Attribute values: the small set of types a flow stores per interaction.

use std::collections::BTreeMap;
use std::fmt;

/// A per-interaction attribute value: string, number or boolean.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// Text.
    Str(String),
}

/// The attributes of one interaction, by name.
pub type Attributes = BTreeMap<String, Value>;

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => f.write_str(s),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}

impl Value {
    /// Converts to a Rhai value.
    pub(crate) fn to_dynamic(&self) -> rhai::Dynamic {
        match self {
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(x) => (*x).into(),
            Value::Str(s) => s.clone().into(),
        }
    }

    /// Converts a Rhai result; `None` for values that are not a string, number or boolean.
    pub(crate) fn from_dynamic(d: &rhai::Dynamic) -> Option<Value> {
        if let Ok(b) = d.as_bool() {
            return Some(Value::Bool(b));
        }
        if let Ok(i) = d.as_int() {
            return Some(Value::Int(i));
        }
        if let Ok(x) = d.as_float() {
            return Some(Value::Float(x));
        }
        if let Ok(c) = d.as_char() {
            return Some(Value::Str(c.to_string()));
        }
        d.clone()
            .into_immutable_string()
            .ok()
            .map(|s| Value::Str(s.to_string()))
    }

    /// Converts to a template value.
    pub(crate) fn to_template(&self) -> minijinja::Value {
        match self {
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(x) => (*x).into(),
            Value::Str(s) => s.as_str().into(),
        }
    }

    /// Converts a JSON value found in an HTTP answer; objects and arrays become their JSON text,
    /// `null` the empty string.
    pub(crate) fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Str(String::new()),
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map(Value::Int)
                .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0))),
            serde_json::Value::String(s) => Value::Str(s.clone()),
            other => Value::Str(other.to_string()),
        }
    }

    /// Whether the value counts as true in a branch.
    pub(crate) fn is_truthy(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(x) => *x != 0.0,
            Value::Str(s) => !s.is_empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_scalars_keep_their_type_and_structures_become_text() {
        let v: serde_json::Value = serde_json::json!({"a": [1, 2]});
        assert_eq!(Value::from_json(&serde_json::json!(3)), Value::Int(3));
        assert_eq!(Value::from_json(&serde_json::json!(2.5)), Value::Float(2.5));
        assert_eq!(
            Value::from_json(&serde_json::json!(true)),
            Value::Bool(true)
        );
        assert_eq!(Value::from_json(&v), Value::Str(r#"{"a":[1,2]}"#.into()));
    }

    #[test]
    fn untagged_json_round_trips_each_kind() {
        let attrs: Attributes =
            serde_json::from_str(r#"{"a": true, "b": 7, "c": 1.5, "d": "x"}"#).unwrap();
        assert_eq!(attrs["a"], Value::Bool(true));
        assert_eq!(attrs["b"], Value::Int(7));
        assert_eq!(attrs["c"], Value::Float(1.5));
        assert_eq!(attrs["d"], Value::Str("x".into()));
    }
}
