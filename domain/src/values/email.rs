//! E-mail addresses, parsed and normalised to NFKC and lower case.

use super::ValidationError;
use super::unicode::{nfkc, refuse_confusable_scripts, refuse_nul};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An e-mail address: `local@domain`, at most 254 characters, stored in NFKC and lower case so
/// that uniqueness ignores case and compatibility forms (`ａlice` is `alice`). The local part
/// and each label of the domain keep to one script, so `аlice` (Cyrillic `а`) is refused.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// The longest address accepted (RFC 5321's path limit).
    pub const MAX_CHARS: usize = 254;

    /// Parses untrusted input into a normalised address.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let invalid = |why: &str| ValidationError::new("email", why);
        refuse_nul("email", input)?;
        // Lower-casing a normalised text can leave it unnormalised, so normalise again.
        let address = nfkc(&nfkc(input).trim().to_lowercase());
        if address.is_empty() {
            return Err(invalid("must not be empty"));
        }
        if address.chars().count() > Self::MAX_CHARS {
            return Err(invalid("must be at most 254 characters"));
        }
        let Some((local, domain)) = address.split_once('@') else {
            return Err(invalid("must contain `@`"));
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        if !local_ok {
            return Err(invalid("has an invalid part before `@`"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !domain_ok {
            return Err(invalid("has an invalid domain"));
        }
        refuse_confusable_scripts("email", local)?;
        for label in labels {
            refuse_confusable_scripts("email", label)?;
        }
        Ok(Self(address))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised_to_lower_case() {
        let email = Email::parse("  Ada.Lovelace@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "ada.lovelace@example.org");
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "ada",
            "@example.org",
            "ada@",
            "ada@localhost",
            "ada@@example.org",
            "a da@example.org",
            "ada@exa mple.org",
            ".ada@example.org",
            "ada@-example.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn compatibility_forms_and_decomposed_letters_are_normalised() {
        let plain = Email::parse("alice@example.com").unwrap();
        assert_eq!(Email::parse("ａlice@example.com").unwrap(), plain);
        assert_eq!(
            Email::parse("ＡＬＩＣＥ@ｅｘａｍｐｌｅ.ｃｏｍ").unwrap(),
            plain
        );
        assert_eq!(
            Email::parse("A\u{308}da@example.com").unwrap().as_str(),
            "äda@example.com"
        );
    }

    #[test]
    fn mixed_scripts_are_refused_in_the_local_part_and_in_each_domain_label() {
        for mixed in [
            "аlice@example.com",
            "alice@exаmple.com",
            "pаypal@example.com",
        ] {
            let error = Email::parse(mixed).unwrap_err();
            assert_eq!(error.field, "email");
            assert!(error.message.contains("mix scripts"), "{mixed}: {error}");
        }
        for whole in [
            "иван@пример.рф",
            "иван@example.com",
            "たろう@例え.jp",
            "δοκιμή@παράδειγμα.δοκιμή",
        ] {
            assert!(Email::parse(whole).is_ok(), "{whole}");
        }
    }

    #[test]
    fn a_nul_is_refused_in_words() {
        let error = Email::parse("ada\0@example.org").unwrap_err();
        assert_eq!(error.message, "must not contain a NUL character");
    }

    #[test]
    fn stored_addresses_read_back_whatever_todays_rules_say() {
        let old: Email = serde_json::from_str("\"аlice@example.com\"").unwrap();
        assert_eq!(old.as_str(), "аlice@example.com");
    }
}
