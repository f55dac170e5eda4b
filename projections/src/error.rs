//! The read side's errors.

use domain::DecodeError;

/// Why applying an event failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The event cannot be read by this code: a poison event.
    #[error("cannot decode event: {0}")]
    Decode(#[from] DecodeError),
    /// Its sealed personal data does not open with its subject's key (damaged, or the
    /// key-encryption key is not this database's): a poison event too. A forgotten subject's
    /// data is not this: it reads as forgotten.
    #[error("cannot open sealed personal data: {0}")]
    Unreadable(String),
    /// The database refused or failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl ApplyError {
    /// Whether the same event would fail again (bad data), as opposed to a passing fault
    /// (connection lost, timeout) worth retrying.
    pub fn is_poison(&self) -> bool {
        match self {
            ApplyError::Decode(_) | ApplyError::Unreadable(_) => true,
            ApplyError::Database(error) => error
                .as_database_error()
                .and_then(sqlx::error::DatabaseError::code)
                // Class 22: data exception; class 23: integrity constraint violation.
                .is_some_and(|code| code.starts_with("22") || code.starts_with("23")),
        }
    }
}

/// Why a query could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// A parameter is not acceptable (a malformed cursor, a limit out of range).
    #[error("{field}: {message}")]
    Invalid {
        /// The parameter.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}
