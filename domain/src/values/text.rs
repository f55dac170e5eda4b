//! Bounded, trimmed texts: names, species, descriptions.

use super::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Trims `input` and checks its length in characters and that it holds no control characters
/// (a description may hold line breaks and tabs).
fn bounded(
    field: &'static str,
    input: &str,
    min: usize,
    max: usize,
    multiline: bool,
) -> Result<String, ValidationError> {
    let trimmed = input.trim();
    let length = trimmed.chars().count();
    if length < min {
        return Err(if min == 1 {
            ValidationError::new(field, "must not be empty")
        } else {
            ValidationError::new(field, format!("must be at least {min} characters"))
        });
    }
    if length > max {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    let allowed_control = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if trimmed
        .chars()
        .any(|c| c.is_control() && !allowed_control(c))
    {
        return Err(ValidationError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $min:expr, $max:expr, $multiline:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The shortest length accepted, in characters after trimming.
            pub const MIN_CHARS: usize = $min;
            /// The longest length accepted, in characters after trimming.
            pub const MAX_CHARS: usize = $max;

            /// Parses untrusted input: trims it and checks its bounds.
            pub fn parse(input: &str) -> Result<Self, ValidationError> {
                bounded($field, input, $min, $max, $multiline).map(Self)
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_type!(
    /// A creature's name: 1–80 characters after trimming.
    CreatureName, "name", 1, 80, false
);
text_type!(
    /// A creature's species: 1–80 characters after trimming.
    Species, "species", 1, 80, false
);
text_type!(
    /// A creature's description: up to 2000 characters, line breaks allowed.
    Description, "description", 0, 2000, true
);
text_type!(
    /// A user's display name: 1–80 characters after trimming.
    DisplayName, "display_name", 1, 80, false
);

/// A tag's name: 1–40 characters of letters, digits, spaces, `-`, `_` and `.`; unique
/// case-insensitively (see [`TagName::key`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TagName(String);

impl TagName {
    /// The longest name accepted, in characters.
    pub const MAX_CHARS: usize = 40;

    /// Parses untrusted input: trims it, checks its length and characters.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let name = bounded("name", input, 1, Self::MAX_CHARS, false)?;
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.')))
        {
            return Err(ValidationError::new(
                "name",
                format!("must hold only letters, digits, spaces, `-`, `_` and `.`, not `{bad}`"),
            ));
        }
        Ok(Self(name))
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive key that must be unique among tags.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for TagName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded_in_characters() {
        assert_eq!(CreatureName::parse("  Smaug ").unwrap().as_str(), "Smaug");
        assert!(CreatureName::parse("   ").is_err());
        assert!(CreatureName::parse(&"é".repeat(80)).is_ok());
        let error = CreatureName::parse(&"é".repeat(81)).unwrap_err();
        assert_eq!(error.field, "name");
    }

    #[test]
    fn control_characters_are_refused_but_descriptions_keep_line_breaks() {
        assert!(Species::parse("dra\u{0}gon").is_err());
        assert!(Description::parse("line one\nline two").is_ok());
        assert!(Description::parse("bell\u{7}").is_err());
        assert!(Description::parse("").is_ok());
        assert!(Description::parse(&"x".repeat(2001)).is_err());
    }

    #[test]
    fn tag_names_refuse_path_characters_and_compare_case_insensitively() {
        assert!(TagName::parse("fire/ice").is_err());
        assert!(TagName::parse("fire?").is_err());
        let name = TagName::parse(" Fire-Breathing ").unwrap();
        assert_eq!(name.as_str(), "Fire-Breathing");
        assert_eq!(name.key(), "fire-breathing");
        assert!(TagName::parse(&"a".repeat(41)).is_err());
    }
}
