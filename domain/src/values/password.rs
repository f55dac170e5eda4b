//! Passwords: checked for length, never stored or printed by the domain.

use super::ValidationError;
use super::unicode::refuse_nul;
use std::fmt;

/// A password of 8–72 bytes without a NUL. bcrypt reads only the first 72 bytes, so a longer
/// password is refused rather than silently cut; many bcrypt implementations stop at a NUL, so
/// a hash of one would not carry over to them. It has no `Serialize` and its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The shortest password accepted, in bytes.
    pub const MIN_BYTES: usize = 8;
    /// The longest password accepted, in bytes (bcrypt's limit).
    pub const MAX_BYTES: usize = 72;

    /// Checks an untrusted password's length in bytes and that it holds no NUL; it is not
    /// trimmed.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        refuse_nul("password", input)?;
        if input.len() < Self::MIN_BYTES {
            return Err(ValidationError::new("password", "must be at least 8 bytes"));
        }
        if input.len() > Self::MAX_BYTES {
            return Err(ValidationError::new(
                "password",
                "must be at most 72 bytes (bcrypt's limit)",
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// The password, for hashing or verifying.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_bytes_up_to_bcrypts_limit() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"x".repeat(72)).is_ok());
        assert!(Password::parse(&"x".repeat(73)).is_err());
        // 36 two-byte characters are 72 bytes; 37 are 74 and must be refused, not cut.
        assert!(Password::parse(&"é".repeat(36)).is_ok());
        assert!(Password::parse(&"é".repeat(37)).is_err());
    }

    #[test]
    fn a_nul_is_refused() {
        let error = Password::parse("correct\0horse").unwrap_err();
        assert_eq!(error.message, "must not contain a NUL character");
    }

    #[test]
    fn debug_output_hides_the_password() {
        let password = Password::parse("correct horse").unwrap();
        assert_eq!(format!("{password:?}"), "Password(***)");
    }
}
