//! A creature's traits: a small, flat JSON object of named scalar values.

use super::ValidationError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// At most 32 traits; each key 1–40 characters without control characters, each value a
/// boolean, a number, or a string of at most 200 characters without a NUL (which `jsonb`
/// cannot store). Nested objects and arrays are refused.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Traits(Map<String, Value>);

impl Traits {
    /// The most traits a creature may have.
    pub const MAX_COUNT: usize = 32;
    /// The longest trait name, in characters.
    pub const MAX_KEY_CHARS: usize = 40;
    /// The longest text value, in characters.
    pub const MAX_TEXT_CHARS: usize = 200;

    /// Parses untrusted JSON: must be an object within the bounds above.
    pub fn parse(input: &Value) -> Result<Self, ValidationError> {
        let invalid = |why: String| ValidationError::new("traits", why);
        let Value::Object(map) = input else {
            return Err(invalid("must be a JSON object".into()));
        };
        if map.len() > Self::MAX_COUNT {
            return Err(invalid(format!("must be no more than {}", Self::MAX_COUNT)));
        }
        let mut traits = Map::new();
        for (key, value) in map {
            let name = key.trim();
            let length = name.chars().count();
            if length == 0 || length > Self::MAX_KEY_CHARS || name.chars().any(char::is_control) {
                return Err(invalid(format!(
                    "trait names must be 1–{} characters without control characters",
                    Self::MAX_KEY_CHARS
                )));
            }
            let value = match value {
                Value::Bool(_) | Value::Number(_) => value.clone(),
                Value::String(text) if text.contains('\0') => {
                    return Err(invalid(format!(
                        "`{name}` must not contain a NUL character"
                    )));
                }
                Value::String(text) if text.chars().count() <= Self::MAX_TEXT_CHARS => {
                    Value::String(text.trim().to_owned())
                }
                Value::String(_) => {
                    return Err(invalid(format!(
                        "`{name}` must be at most {} characters",
                        Self::MAX_TEXT_CHARS
                    )));
                }
                _ => {
                    return Err(invalid(format!(
                        "`{name}` must be a boolean, a number or a string"
                    )));
                }
            };
            if traits.insert(name.to_owned(), value).is_some() {
                return Err(invalid(format!("`{name}` is given twice")));
            }
        }
        Ok(Self(traits))
    }

    /// The traits as a JSON object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The traits as a JSON value.
    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flat_objects_of_scalars_are_accepted() {
        let traits =
            Traits::parse(&json!({"wings": 2, " fiery ": true, "colour": " red "})).unwrap();
        assert_eq!(
            traits.to_value(),
            json!({"wings": 2, "fiery": true, "colour": "red"})
        );
    }

    #[test]
    fn nesting_non_objects_and_excess_are_refused() {
        assert!(Traits::parse(&json!(["wings"])).is_err());
        assert!(Traits::parse(&json!({"wings": {"count": 2}})).is_err());
        assert!(Traits::parse(&json!({"tags": [1, 2]})).is_err());
        assert!(Traits::parse(&json!({"nothing": null})).is_err());
        assert!(Traits::parse(&json!({"": 1})).is_err());
        assert!(Traits::parse(&json!({"a": 1, " a ": 2})).is_err());
        assert!(Traits::parse(&json!({"lore": "x".repeat(201)})).is_err());
        let many: Map<String, Value> = (0..33).map(|i| (format!("t{i}"), json!(i))).collect();
        assert!(Traits::parse(&Value::Object(many)).is_err());
    }

    #[test]
    fn a_nul_in_a_trait_name_or_value_is_refused() {
        let error = Traits::parse(&json!({"lore": "fire\u{0}ice"})).unwrap_err();
        assert_eq!(error.message, "`lore` must not contain a NUL character");
        assert!(Traits::parse(&json!({"lo\u{0}re": 1})).is_err());
    }

    #[test]
    fn numbers_at_the_edges_of_json_are_kept_as_given() {
        let edges = json!({"big": u64::MAX, "small": i64::MIN, "huge": 1e308, "tiny": 5e-324});
        assert_eq!(Traits::parse(&edges).unwrap().to_value(), edges);
        // serde_json refuses what no f64 holds, so an infinity never reaches a trait.
        assert!(serde_json::from_str::<Value>(r#"{"weight": 1e400}"#).is_err());
        assert!(serde_json::from_str::<Value>(r#"{"lore": "\ud800"}"#).is_err());
    }
}
