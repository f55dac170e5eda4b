//! Crypto-shredding. Each person (a *subject*: a user, by their stream id) has a data key of
//! their own; the fields of an event that identify them ([`DomainEvent::personal_fields`]) are
//! stored sealed with it, ChaCha20-Poly1305 with a fresh nonce per value and the subject's id as
//! associated data. Forgetting the subject deletes the key in the transaction of its
//! `UserForgotten` event, and every copy of the sealed data, in the log, its backups' later
//! replays and anything rebuilt from it, reads as forgotten from then on.
//!
//! Keys are wrapped with the key-encryption key (`KEY_ENCRYPTION_KEY`) when one is configured,
//! and stored as they are otherwise (docs/architecture.md weighs the two). The same vault keys
//! the hash that uniqueness claims on e-mail addresses store instead of the address
//! ([`Vault::index`]).
//!
//! [`DomainEvent::personal_fields`]: domain::DomainEvent::personal_fields

mod envelope;
mod keys;
mod open;

pub use envelope::{SEALED, Unopenable, Unsealed, seal, subject_of, unseal};
pub use keys::{DataKey, Kek, KekError, Vault, VaultError, install_kek};
