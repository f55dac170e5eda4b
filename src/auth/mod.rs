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
