//! Authentication: bcrypt password hashes, and stateless JWT access tokens signed by a key
//! ring whose keys are derived from `SECRET_KEY`.

pub mod keyring;
pub mod passwords;
pub mod ring_sync;
pub mod tokens;

pub use keyring::KeyRing;
pub use passwords::PasswordHasher;
pub use tokens::{Claims, TokenError};
