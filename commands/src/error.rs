//! The write side's errors: what the store refused, and why a command did not happen.

use domain::{DecodeError, UniqueSet};
use uuid::Uuid;

/// Why the event store did not load or append.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stream is not at the version the writer expected: someone else wrote first.
    #[error("stream {stream_id} is at version {actual}, not the expected {expected}")]
    Conflict {
        /// The stream.
        stream_id: Uuid,
        /// The version the writer expected.
        expected: i64,
        /// The version found (when known).
        actual: i64,
    },
    /// A value that must be unique is held already (an e-mail, a tag name).
    #[error("{} is taken", .0.as_str())]
    Taken(UniqueSet),
    /// The stream exists with another type (a user's id used as a creature's).
    #[error("stream {0} has another type")]
    WrongStreamType(Uuid),
    /// An append was not the first write of its transaction (a programming error: it would
    /// let readers see a stream's events out of order).
    #[error("an append must be the first write of its transaction")]
    NotFirstWrite,
    /// Another execution of the same idempotency key committed first.
    #[error("this idempotency key was used by a command that completed meanwhile")]
    DuplicateRequest,
    /// A stored event cannot be read by this code.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A data key cannot be read (the key-encryption key is missing or wrong), or sealed
    /// personal data does not open with its subject's key.
    #[error(transparent)]
    Vault(#[from] crate::vault::VaultError),
    /// PostgreSQL failed or is unreachable.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Why a command did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CommandError<E> {
    /// The domain refused it.
    #[error(transparent)]
    Rejected(E),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
