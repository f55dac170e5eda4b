//! The Unicode rules shared by names that must not be confused with one another: NFKC
//! normalisation (so `ｆire` and `A\u{308}` become `fire` and `Ä`), and UTS #39's checks that a
//! name holds only identifier characters and does not mix scripts (so `fіre`, with a Cyrillic
//! `і`, is refused).

use super::ValidationError;
use unicode_normalization::UnicodeNormalization;
use unicode_security::{GeneralSecurityProfile, RestrictionLevel, RestrictionLevelDetection};

/// `text` in Normalization Form KC: compatibility characters (fullwidth, ligatures, circled
/// letters) folded to their plain form and combining marks composed.
pub(crate) fn nfkc(text: &str) -> String {
    text.nfkc().collect()
}

/// Refuses a NUL: PostgreSQL's `text` and `jsonb` cannot store one.
pub(crate) fn refuse_nul(field: &'static str, text: &str) -> Result<(), ValidationError> {
    if text.contains('\0') {
        return Err(ValidationError::new(
            field,
            "must not contain a NUL character",
        ));
    }
    Ok(())
}

/// Checks that the letters and digits of `text` (already in NFKC) are identifier characters of
/// UTS #39's General Security Profile and reach its "highly restrictive" level: one script,
/// or Latin with Han and kana (Japanese), Han and Bopomofo, or Han and Hangul (Korean).
pub(crate) fn refuse_confusable_scripts(
    field: &'static str,
    text: &str,
) -> Result<(), ValidationError> {
    let letters: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
    if let Some(bad) = letters.chars().find(|c| !c.identifier_allowed()) {
        return Err(ValidationError::new(
            field,
            format!("must not contain `{bad}`, a character Unicode does not recommend in names"),
        ));
    }
    if !letters
        .as_str()
        .check_restriction_level(RestrictionLevel::HighlyRestrictive)
    {
        return Err(ValidationError::new(
            field,
            "must not mix scripts that look alike, such as Latin and Cyrillic letters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfkc_folds_compatibility_forms_and_composes_marks() {
        assert_eq!(nfkc("ｆire"), "fire");
        assert_eq!(nfkc("A\u{308}"), "Ä");
        assert_eq!(nfkc("ﬁre"), "fire");
    }

    #[test]
    fn single_scripts_and_japanese_pass_but_latin_mixed_with_cyrillic_does_not() {
        for name in [
            "fire",
            "Äther",
            "огонь",
            "火の鳥",
            "東京タワー",
            "tokyoタワー",
            "불꽃",
            "fire-2.0",
        ] {
            assert!(refuse_confusable_scripts("name", name).is_ok(), "{name}");
        }
        for name in ["fіre", "аlice", "pаypal", "φire"] {
            let error = refuse_confusable_scripts("name", name).unwrap_err();
            assert!(error.message.contains("mix scripts"), "{name}: {error}");
        }
    }

    #[test]
    fn a_nul_is_refused_in_words() {
        let error = refuse_nul("name", "fi\0re").unwrap_err();
        assert_eq!(error.message, "must not contain a NUL character");
        assert!(refuse_nul("name", "fire").is_ok());
    }
}
