//! What a client asks for, checked: bounded texts and a small, flat traits object.

use serde::Deserialize;
use serde_json::{Map, Value};

/// The request body of `POST /avatars`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvatarRequest {
    /// Varies the portrait among creatures with the same name and species.
    pub seed: String,
    /// The creature's name.
    pub name: String,
    /// The creature's species.
    pub species: String,
    /// The creature's traits (a flat object).
    #[serde(default)]
    pub traits: Map<String, Value>,
}

/// The image formats served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `image/svg+xml`.
    Svg,
    /// `image/png`.
    Png,
}

impl Format {
    /// The media type.
    pub const fn content_type(&self) -> &'static str {
        match self {
            Format::Svg => "image/svg+xml",
            Format::Png => "image/png",
        }
    }
}

impl AvatarRequest {
    /// Checks the bounds; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        let bounded = |field: &str, text: &str, max: usize| {
            let length = text.trim().chars().count();
            if length == 0 || length > max {
                Err(format!("{field} must be 1–{max} characters"))
            } else {
                Ok(())
            }
        };
        bounded("seed", &self.seed, 128)?;
        bounded("name", &self.name, 80)?;
        bounded("species", &self.species, 80)?;
        if self.traits.len() > 32 {
            return Err("traits may have at most 32 entries".into());
        }
        for (key, value) in &self.traits {
            bounded("a trait name", key, 40)?;
            match value {
                Value::Bool(_) | Value::Number(_) => {}
                Value::String(text) if text.chars().count() <= 200 => {}
                _ => {
                    return Err(format!(
                        "trait `{key}` must be a boolean, a number or a string of at most 200 characters"
                    ));
                }
            }
        }
        Ok(())
    }
}
