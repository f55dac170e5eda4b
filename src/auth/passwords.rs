//! Password hashing with bcrypt, off the async threads, with a bound on the work in flight.
//!
//! bcrypt reads at most 72 bytes, counting a terminating NUL that the `bcrypt` crate appends.
//! Passwords are 8–72 bytes by construction ([`domain::values::Password`]), so the truncating
//! `hash` drops at most that NUL and never a byte of the password (the crate's
//! `non_truncating_hash` would refuse a 72-byte password for the NUL). Verification refuses
//! anything longer than 72 bytes before bcrypt could cut it.
//!
//! At most `concurrency` hashes run at once (about one per core) and at most `queue` more wait
//! for a slot; past that a hash is refused at once ([`HashError::Busy`], a 503) rather than
//! queued for seconds behind a flood of logins.

use domain::values::Password;
use std::sync::Arc;
use tokio::sync::OnceCell;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Hashes and verifies passwords at a configured bcrypt cost.
#[derive(Clone, Debug)]
pub struct PasswordHasher {
    cost: u32,
    /// A hash of a random password, verified against when a login names no user, so that an
    /// unknown e-mail takes as long as a wrong password.
    decoy: Arc<OnceCell<String>>,
    /// Hashes running or waiting: `concurrency + queue` permits.
    admitted: Arc<Semaphore>,
    /// Hashes running: `concurrency` permits.
    running: Arc<Semaphore>,
}

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// As many hashes as allowed are running or waiting already.
    #[error("too many password hashes in flight")]
    Busy,
    /// bcrypt failed (it does not for valid costs and bounded passwords) or its task died.
    #[error("password hashing failed: {0}")]
    Failed(String),
}

impl PasswordHasher {
    /// A hasher with the given bcrypt cost (4–31), running at most `concurrency` hashes at once
    /// with at most `queue` more waiting.
    pub fn new(cost: u32, concurrency: usize, queue: usize) -> Self {
        let concurrency = concurrency.max(1);
        Self {
            cost,
            decoy: Arc::new(OnceCell::new()),
            admitted: Arc::new(Semaphore::new(concurrency + queue)),
            running: Arc::new(Semaphore::new(concurrency)),
        }
    }

    /// Hashes a password.
    pub async fn hash(&self, password: &Password) -> Result<String, HashError> {
        let password = password.expose().to_owned();
        let cost = self.cost;
        self.run(move || {
            bcrypt::hash(password, cost).map_err(|error| HashError::Failed(error.to_string()))
        })
        .await?
    }

    /// Whether `password` matches `hash`; with no hash, spends the same time and says no.
    pub async fn verify(&self, password: &str, hash: Option<String>) -> Result<bool, HashError> {
        let (hash, known) = match hash {
            Some(hash) => (hash, true),
            None => (self.decoy().await?, false),
        };
        let password = password.to_owned();
        let matches = self
            .run(move || {
                // A password over 72 bytes can never have been stored: refuse it, never cut it.
                password.len() <= Password::MAX_BYTES
                    && bcrypt::verify(password, &hash).unwrap_or(false)
            })
            .await?;
        Ok(known && matches)
    }

    /// Runs bcrypt work on the blocking threads once a slot is free; refused if none is free
    /// and the queue is full.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| HashError::Busy)?;
        let running: OwnedSemaphorePermit = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|error| HashError::Failed(error.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let _running = running;
            work()
        })
        .await
        .map_err(|error| HashError::Failed(error.to_string()))
    }

    async fn decoy(&self) -> Result<String, HashError> {
        self.decoy
            .get_or_try_init(|| async {
                let random = Password::parse(&uuid::Uuid::new_v4().to_string())
                    .map_err(|error| HashError::Failed(error.to_string()))?;
                self.hash(&random).await
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
        let hasher = PasswordHasher::new(4, 2, 2);
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
        let hasher = PasswordHasher::new(4, 2, 2);
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn past_the_running_and_waiting_hashes_one_more_is_refused_at_once() {
        let hasher = PasswordHasher::new(10, 1, 1);
        let password = Password::parse("correct horse battery").unwrap();
        let (first, second, third) = tokio::join!(
            hasher.hash(&password),
            hasher.hash(&password),
            hasher.hash(&password)
        );
        let busy = [&first, &second, &third]
            .iter()
            .filter(|result| matches!(result, Err(HashError::Busy)))
            .count();
        assert_eq!(busy, 1, "one runs, one waits, one is refused");
        assert!(
            hasher.hash(&password).await.is_ok(),
            "free again afterwards"
        );
    }

    #[tokio::test]
    async fn the_72nd_byte_counts() {
        let hasher = PasswordHasher::new(4, 2, 2);
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
