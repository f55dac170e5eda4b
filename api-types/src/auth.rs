//! The caller's account and access tokens.

use domain::values::{DisplayName, Email};
use domain::{Role, UserId};
use serde::{Deserialize, Serialize};

/// The logged-in caller (`GET /auth/me`; fields in the order they are sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    /// The name shown to others.
    pub display_name: DisplayName,
    /// Their e-mail address.
    pub email: Email,
    /// Their id.
    pub id: UserId,
    /// What they may do.
    pub role: Role,
    /// Their stream version.
    pub version: i64,
}

/// `POST /auth/login` (fields in the order they are sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Token {
    /// The bearer token.
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// Always `bearer`.
    pub token_type: String,
}

/// `POST /auth/register` (no `Debug`: it holds a password).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// Their e-mail address.
    pub email: String,
    /// Their password.
    pub password: String,
    /// The name shown to others.
    pub display_name: String,
}

/// `POST /auth/login` (no `Debug`: it holds a password).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// Their e-mail address.
    pub email: String,
    /// Their password.
    pub password: String,
}

/// `PUT /auth/password` (no `Debug`: it holds passwords).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct PasswordChangeRequest {
    /// The password they have now.
    pub current_password: String,
    /// The one they want.
    pub new_password: String,
}
