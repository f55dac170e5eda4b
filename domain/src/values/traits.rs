//! A creature's traits: a small, flat JSON object of named scalar values.

use super::ValidationError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// At most 32 traits; each key 1–40 characters, each value a boolean, a number, or a string of
/// at most 200 characters. Nested objects and arrays are refused.
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
            return Err(invalid(format!("at most {} traits", Self::MAX_COUNT)));
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
}
