//! Bounded, trimmed texts: names, species, descriptions, tag names, search text.

use super::ValidationError;
use super::unicode::{nfkc, refuse_confusable_scripts, refuse_nul};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Trims `input` and checks its length in characters and that it holds no NUL and no other
/// control characters (a description may hold line breaks and tabs).
fn bounded(
    field: &'static str,
    input: &str,
    min: usize,
    max: usize,
    multiline: bool,
) -> Result<String, ValidationError> {
    refuse_nul(field, input)?;
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
text_type!(
    /// Words to search creatures for (`GET /creatures?q=`): 1–200 characters after trimming.
    SearchText, "q", 1, 200, false
);

/// A tag's name: 1–40 characters of letters, digits, spaces, `-`, `_` and `.`, in NFKC and
/// in one script (or Latin with Japanese or Korean, as UTS #39 allows); unique
/// case-insensitively (see [`TagName::key`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TagName(String);

impl TagName {
    /// The longest name accepted, in characters.
    pub const MAX_CHARS: usize = 40;

    /// Parses untrusted input: normalises it to NFKC (`ｆire` becomes `fire`), trims it,
    /// checks its length and characters, and refuses a mix of scripts (`fіre`, with a
    /// Cyrillic `і`).
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let name = bounded("name", &nfkc(input), 1, Self::MAX_CHARS, false)?;
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.')))
        {
            return Err(ValidationError::new(
                "name",
                format!("must hold only letters, digits, spaces, `-`, `_` and `.`, not `{bad}`"),
            ));
        }
        refuse_confusable_scripts("name", &name)?;
        Ok(Self(name))
    }

    /// The name as given, normalised.
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

    #[test]
    fn a_nul_is_refused_in_words_in_every_text() {
        for error in [
            CreatureName::parse("Sm\0aug").unwrap_err(),
            Species::parse("dra\0gon").unwrap_err(),
            Description::parse("hoard\0").unwrap_err(),
            DisplayName::parse("A\0da").unwrap_err(),
            SearchText::parse("fi\0re").unwrap_err(),
            TagName::parse("fi\0re").unwrap_err(),
        ] {
            assert_eq!(error.message, "must not contain a NUL character");
        }
    }

    #[test]
    fn tag_names_are_normalised_to_nfkc_so_look_alikes_share_a_key() {
        assert_eq!(TagName::parse("ｆire").unwrap().key(), "fire");
        assert_eq!(TagName::parse("ＦＩＲＥ").unwrap().key(), "fire");
        assert_eq!(TagName::parse("A\u{308}ther").unwrap().as_str(), "Äther");
        assert_eq!(
            TagName::parse("A\u{308}ther").unwrap(),
            TagName::parse("Äther").unwrap()
        );
        // An ideographic space becomes a plain one, then is trimmed.
        assert_eq!(TagName::parse("\u{3000}fire").unwrap().as_str(), "fire");
    }

    #[test]
    fn tag_names_mixing_scripts_are_refused_but_whole_scripts_are_not() {
        for mixed in ["fіre", "fіre-breathing", "ѕmoke", "αlpha"] {
            let error = TagName::parse(mixed).unwrap_err();
            assert_eq!(error.field, "name");
            assert!(error.message.contains("mix scripts"), "{mixed}: {error}");
        }
        for whole in ["огонь", "火の鳥", "ドラゴン", "불꽃", "δράκος", "fire 2"]
        {
            assert!(TagName::parse(whole).is_ok(), "{whole}");
        }
    }

    #[test]
    fn stored_tag_names_read_back_whatever_todays_rules_say() {
        let old: TagName = serde_json::from_str("\"fіre\"").unwrap();
        assert_eq!(old.as_str(), "fіre");
        assert_eq!(old.key(), "fіre");
        let old: TagName = serde_json::from_str("\"ｆire\"").unwrap();
        assert_eq!(
            old.key(),
            "ｆire",
            "an old key stays the key it was claimed under"
        );
    }
}
