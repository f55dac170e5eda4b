//! What admins see: users and signing-key rotations.

use chrono::{DateTime, Utc};
use domain::UserId;
use serde::{Deserialize, Serialize};

/// A user as admins see them (fields in the order they are sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    /// When they registered.
    pub created_at: DateTime<Utc>,
    /// The name shown to others.
    pub display_name: String,
    /// Their e-mail address.
    pub email: String,
    /// Their id.
    pub id: UserId,
    /// `user` or `admin`.
    pub role: String,
    /// Their stream version.
    pub version: i32,
}

/// `GET /admin/users`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserList {
    /// Every user, oldest first.
    pub users: Vec<UserView>,
}

/// `POST /admin/rotate-keys` (fields in the order they are sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rotated {
    /// How long earlier tokens stay valid.
    pub grace_seconds: u64,
    /// The new key's id.
    pub kid: String,
    /// Whether earlier tokens were revoked at once.
    pub revoke_previous: bool,
}
