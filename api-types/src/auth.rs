//! The caller's account and access tokens.

use domain::values::{DisplayName, Email};
use domain::{Role, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The logged-in caller (`GET /auth/me`; fields in the order they are sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// The name shown to others.
    #[schema(value_type = String)]
    pub display_name: DisplayName,
    /// Their e-mail address, normalised to lower case.
    #[schema(value_type = String, format = Email)]
    pub email: Email,
    /// Their id.
    #[schema(value_type = uuid::Uuid)]
    pub id: UserId,
    /// What they may do.
    #[schema(value_type = RoleName)]
    pub role: Role,
    /// Their stream version.
    pub version: i64,
}

/// `POST /auth/login` (fields in the order they are sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Token {
    /// The bearer token.
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// Always `bearer`.
    #[schema(value_type = TokenType)]
    pub token_type: String,
}

/// `POST /auth/register` (no `Debug`: it holds a password).
#[derive(Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// `local@domain`; trimmed and stored in lower case and Unicode NFKC, unique
    /// case-insensitively. The part before `@` and each domain label must keep to one script.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// 8-72 bytes (UTF-8; not characters), not trimmed, without a NUL character.
    #[schema(min_length = 8, max_length = 72)]
    pub password: String,
    /// The name shown to others: 1-80 characters after trimming, no control characters.
    #[schema(min_length = 1, max_length = 80)]
    pub display_name: String,
}

/// `POST /auth/login` (no `Debug`: it holds a password).
#[derive(Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Their e-mail address, compared case-insensitively.
    pub email: String,
    /// Their password.
    pub password: String,
}

/// `DELETE /auth/me` (no `Debug`: it holds a password).
#[derive(Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ForgetMeRequest {
    /// Their password, entered again: forgetting cannot be undone.
    pub password: String,
}

/// `PUT /auth/password` (no `Debug`: it holds passwords).
#[derive(Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PasswordChangeRequest {
    /// The password they have now.
    pub current_password: String,
    /// The one they want: 8-72 bytes (UTF-8; not characters), not trimmed, without a NUL
    /// character.
    #[schema(min_length = 8, max_length = 72)]
    pub new_password: String,
}

/// A user's role (in the OpenAPI document; the domain's `Role`).
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum RoleName {
    /// An ordinary user: changes their own creatures and creates tags.
    User,
    /// An administrator: changes anything, manages tags and users.
    Admin,
}

/// The kind of token (in the OpenAPI document).
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum TokenType {
    /// A bearer token, sent as `Authorization: Bearer <access_token>`.
    Bearer,
}
