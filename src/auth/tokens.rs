//! Access tokens: what they claim, and why one is refused.

use domain::{Actor, Role, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The issuer every token names.
pub const ISSUER: &str = "bestiary";

/// What an access token claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: Uuid,
    /// The user's role when the token was issued.
    pub role: Role,
    /// The user's session epoch when the token was issued; a later role change, password
    /// change or "log out everywhere" moves the epoch on, and this token is then refused
    /// (tokens from before epochs existed count as epoch 0).
    #[serde(default)]
    pub sep: u32,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Always [`ISSUER`].
    pub iss: String,
}

impl Claims {
    /// The actor the token stands for.
    pub fn actor(&self) -> Actor {
        Actor::User {
            id: UserId::from_uuid(self.sub),
            role: self.role,
        }
    }
}

/// The token without its signature (`header.claims.`): what it says, unable to authenticate.
pub fn unsigned(token: &str) -> String {
    match token.rsplit_once('.') {
        Some((message, _)) => format!("{message}."),
        None => token.to_owned(),
    }
}

/// Why a token was refused. The reasons are logged, never sent: the client only learns that
/// its token is not valid.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Not a JWT, wrong algorithm, bad signature, expired, wrong issuer.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// Its key id names no key in the ring (rotated out, or another `SECRET_KEY`).
    #[error("unknown or retired signing key")]
    UnknownKey,
    /// The user's sessions were ended after it was issued (a role or password change, or
    /// "log out everywhere").
    #[error("the session has ended")]
    SessionEnded,
    /// The key ring could not be read.
    #[error("key ring unavailable: {0}")]
    Unavailable(#[from] sqlx::Error),
    /// The session epochs could not be checked.
    #[error("session epochs unavailable: {0}")]
    SessionsUnavailable(String),
    /// The token could not be signed.
    #[error("signing failed: {0}")]
    Signing(String),
}
