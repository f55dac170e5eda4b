//! Validated values: untrusted input is parsed once into these types, which cannot hold an
//! invalid value. Each `parse` says which field failed and why.
//!
//! Every text refuses what PostgreSQL cannot store (a NUL; a lone surrogate cannot reach a Rust
//! `String`), and names that must not be confused with one another (e-mails, tag names) are
//! normalised to NFKC and refused when they mix scripts (see `unicode`).
//!
//! Deserialising (from stored events) trusts the store and does not re-validate, so rules may
//! tighten later without making old events unreadable.

mod email;
mod password;
mod personal;
mod text;
mod traits;
mod unicode;

pub use email::Email;
pub use password::Password;
pub use personal::Personal;
pub use text::{CreatureName, Description, DisplayName, SearchText, Species, TagName};
pub use traits::Traits;

/// Why a value was refused: the field and a message a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// The input field that was refused.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl ValidationError {
    /// A refusal of `field` for the given reason.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}
