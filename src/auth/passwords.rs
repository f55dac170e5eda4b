//! Password hashing with bcrypt, off the async threads.
//!
//! bcrypt reads at most 72 bytes, counting a terminating NUL that the `bcrypt` crate appends.
//! Passwords are 8–72 bytes by construction ([`domain::values::Password`]), so the truncating
//! `hash` drops at most that NUL and never a byte of the password (the crate's
//! `non_truncating_hash` would refuse a 72-byte password for the NUL). Verification refuses
//! anything longer than 72 bytes before bcrypt could cut it.

use domain::values::Password;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// Hashes and verifies passwords at a configured bcrypt cost.
#[derive(Clone, Debug)]
pub struct PasswordHasher {
    cost: u32,
    /// A hash of a random password, verified against when a login names no user, so that an
    /// unknown e-mail takes as long as a wrong password.
    decoy: Arc<OnceCell<String>>,
}

/// bcrypt failed (it does not for valid costs and bounded passwords) or its task died.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

impl PasswordHasher {
    /// A hasher with the given bcrypt cost (4–31).
    pub fn new(cost: u32) -> Self {
        Self {
            cost,
            decoy: Arc::new(OnceCell::new()),
        }
    }

    /// Hashes a password.
    pub async fn hash(&self, password: &Password) -> Result<String, HashError> {
        let password = password.expose().to_owned();
        let cost = self.cost;
        tokio::task::spawn_blocking(move || bcrypt::hash(password, cost))
            .await
            .map_err(|error| HashError(error.to_string()))?
            .map_err(|error| HashError(error.to_string()))
    }

    /// Whether `password` matches `hash`; with no hash, spends the same time and says no.
    pub async fn verify(&self, password: &str, hash: Option<String>) -> Result<bool, HashError> {
        let (hash, known) = match hash {
            Some(hash) => (hash, true),
            None => (self.decoy().await?, false),
        };
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || {
            // A password over 72 bytes can never have been stored: refuse it, never cut it.
            password.len() <= Password::MAX_BYTES
                && bcrypt::verify(password, &hash).unwrap_or(false)
        })
        .await
        .map_err(|error| HashError(error.to_string()))?;
        Ok(known && matches)
    }

    async fn decoy(&self) -> Result<String, HashError> {
        self.decoy
            .get_or_try_init(|| async {
                let random = uuid::Uuid::new_v4().to_string();
                let cost = self.cost;
                tokio::task::spawn_blocking(move || bcrypt::hash(random, cost))
                    .await
                    .map_err(|error| HashError(error.to_string()))?
                    .map_err(|error| HashError(error.to_string()))
            })
            .await
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hasher = PasswordHasher::new(4);
        let password = Password::parse("correct horse battery").unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(hash.starts_with("$2b$04$"));
        assert!(
            hasher
                .verify("correct horse battery", Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("correct horse battery!", Some(hash))
                .await
                .unwrap()
        );
        assert!(!hasher.verify("correct horse battery", None).await.unwrap());
    }

    #[tokio::test]
    async fn a_password_differing_only_past_72_bytes_does_not_verify() {
        let hasher = PasswordHasher::new(4);
        let stored = "x".repeat(72);
        let hash = hasher
            .hash(&Password::parse(&stored).unwrap())
            .await
            .unwrap();
        assert!(hasher.verify(&stored, Some(hash.clone())).await.unwrap());
        assert!(
            !hasher
                .verify(&format!("{stored}y"), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn the_72nd_byte_counts() {
        let hasher = PasswordHasher::new(4);
        let stored = format!("{}a", "x".repeat(71));
        let hash = hasher
            .hash(&Password::parse(&stored).unwrap())
            .await
            .unwrap();
        assert!(
            !hasher
                .verify(&format!("{}b", "x".repeat(71)), Some(hash))
                .await
                .unwrap()
        );
    }
}
