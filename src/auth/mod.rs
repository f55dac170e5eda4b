//! Authentication: bcrypt password hashes, and JWT access tokens signed by a key ring whose
//! keys are derived from `SECRET_KEY`, each valid only while its user's session epoch is the
//! one it carries ([`sessions`]).

pub mod keyring;
pub mod passwords;
pub mod ring_sync;
pub mod sessions;
pub mod tokens;

pub use keyring::KeyRing;
pub use passwords::PasswordHasher;
pub use sessions::SessionEpochs;
pub use tokens::{Claims, TokenError};

use std::sync::Arc;

/// Tells whose a bearer token is: validly signed, unexpired, and of its user's current
/// session epoch.
#[derive(Clone, Debug)]
pub struct Authenticator {
    /// Verifies signatures and expiry.
    pub keys: Arc<KeyRing>,
    /// The users' current session epochs.
    pub sessions: Arc<SessionEpochs>,
}

impl Authenticator {
    /// The claims of a valid token of a current session.
    pub async fn authenticate(&self, token: &str) -> Result<Claims, TokenError> {
        let claims = self.keys.verify(token).await?;
        self.sessions.check(&claims).await?;
        Ok(claims)
    }
}
