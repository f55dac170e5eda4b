//! Keys: a subject's data key, the key-encryption key that may wrap it, and the vault that
//! holds the key-encryption key and the e-mail index key of one database.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgPool;
use std::sync::{Arc, OnceLock};
use tokio::sync::OnceCell;
use uuid::Uuid;

/// The nonce's length (96 bits), stored before each ciphertext.
pub(super) const NONCE_LEN: usize = 12;

/// The subject the e-mail index key is stored under (no person has the nil id).
const INDEX_SUBJECT: Uuid = Uuid::nil();

/// A subject's 256-bit data key.
#[derive(Clone)]
pub struct DataKey(pub(super) [u8; 32]);

impl DataKey {
    /// A new random key.
    pub fn generate() -> Self {
        Self(ChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(&Key::from(self.0))
    }

    /// Seals `plaintext` for `subject`: nonce, then ciphertext and tag.
    pub(super) fn seal(&self, subject: Uuid, plaintext: &[u8]) -> Vec<u8> {
        let cipher = self.cipher();
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: subject.as_bytes(),
                },
            )
            .unwrap_or_default();
        let nonce: [u8; NONCE_LEN] = nonce.into();
        [&nonce[..], &sealed].concat()
    }

    /// Opens what [`DataKey::seal`] sealed for `subject`; `None` when the key, the subject or
    /// the bytes differ.
    pub(super) fn open(&self, subject: Uuid, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        self.cipher()
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: subject.as_bytes(),
                },
            )
            .ok()
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(***)")
    }
}

/// The key-encryption key (`KEY_ENCRYPTION_KEY`): 32 bytes, written as 64 hexadecimal digits.
#[derive(Clone)]
pub struct Kek(DataKey);

/// Why a `KEY_ENCRYPTION_KEY` was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("KEY_ENCRYPTION_KEY must be 64 hexadecimal digits (32 bytes, e.g. `openssl rand -hex 32`)")]
pub struct KekError;

impl Kek {
    /// Parses 64 hexadecimal digits.
    pub fn parse(text: &str) -> Result<Self, KekError> {
        let text = text.trim();
        if text.len() != 64 || !text.is_ascii() {
            return Err(KekError);
        }
        let bytes = (0..32)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| KekError)?;
        DataKey::from_bytes(&bytes).map(Kek).ok_or(KekError)
    }

    fn wrap(&self, subject: Uuid, key: &DataKey) -> Vec<u8> {
        self.0.seal(subject, &key.0)
    }

    fn unwrap(&self, subject: Uuid, wrapped: &[u8]) -> Option<DataKey> {
        DataKey::from_bytes(&self.0.open(subject, wrapped)?)
    }
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(***)")
    }
}

/// Why the vault cannot serve this database.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// Keys here are wrapped, and no key-encryption key is configured.
    #[error(
        "KEY_ENCRYPTION_KEY is required: this database's data keys are wrapped with a key-encryption key"
    )]
    KekRequired,
    /// The configured key-encryption key does not unwrap this database's keys.
    #[error("KEY_ENCRYPTION_KEY does not unwrap this database's data keys (is it the right one?)")]
    KekWrong,
    /// A stored key is unreadable.
    #[error("the data key of subject {0} is damaged")]
    Damaged(Uuid),
    /// Sealed personal data of a subject does not open with that subject's key.
    #[error("the sealed personal data of subject {0} does not open with its key")]
    Unopenable(Uuid),
    /// The index key was asked for before [`Vault::open`] loaded it (a programming error).
    #[error("the vault was used before it was opened")]
    NotOpened,
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// This process's key-encryption key, installed once at start by the composition root (it is
/// process configuration, like the tracing subscriber): every store, projection and rebuild
/// of the process wraps and unwraps with it.
static PROCESS_KEK: OnceLock<Option<Kek>> = OnceLock::new();

/// Installs this process's key-encryption key (none: keys are stored unwrapped). The first
/// call decides; `false` if another key was installed before.
pub fn install_kek(kek: Option<Kek>) -> bool {
    let wanted = kek.as_ref().map(|kek| kek.0.0);
    let installed = PROCESS_KEK.get_or_init(|| kek);
    installed.as_ref().map(|kek| kek.0.0) == wanted
}

/// The keys of one database, as this process reads them: its key-encryption key (if any) and,
/// once loaded, the e-mail index key.
#[derive(Clone, Debug)]
pub struct Vault {
    kek: Option<Kek>,
    index: Arc<OnceCell<DataKey>>,
}

/// A vault with this process's key-encryption key ([`install_kek`]).
impl Default for Vault {
    fn default() -> Self {
        Self::new(PROCESS_KEK.get().cloned().flatten())
    }
}

impl Vault {
    /// A vault wrapping new keys with `kek` (none: keys are stored unwrapped).
    pub fn new(kek: Option<Kek>) -> Self {
        Self {
            kek,
            index: Arc::default(),
        }
    }

    /// A new data key for `subject`, as it is stored: the key, the stored bytes, and whether
    /// they are wrapped.
    pub fn new_key(&self, subject: Uuid) -> (DataKey, Vec<u8>, bool) {
        let key = DataKey::generate();
        if let Some(kek) = &self.kek {
            let wrapped = kek.wrap(subject, &key);
            (key, wrapped, true)
        } else {
            let stored = key.0.to_vec();
            (key, stored, false)
        }
    }

    /// The data key of `subject` from its stored bytes.
    pub fn stored_key(
        &self,
        subject: Uuid,
        stored: &[u8],
        wrapped: bool,
    ) -> Result<DataKey, VaultError> {
        match (wrapped, &self.kek) {
            (false, _) => DataKey::from_bytes(stored).ok_or(VaultError::Damaged(subject)),
            (true, None) => Err(VaultError::KekRequired),
            (true, Some(kek)) => kek.unwrap(subject, stored).ok_or(VaultError::KekWrong),
        }
    }

    /// Loads this database's e-mail index key (creating it on first use), which also proves
    /// the key-encryption key: a process whose key does not fit refuses to start.
    pub async fn open(&self, pool: &PgPool) -> Result<(), VaultError> {
        self.index_key(pool).await.map(|_| ())
    }

    async fn index_key(&self, pool: &PgPool) -> Result<&DataKey, VaultError> {
        self.index
            .get_or_try_init(|| async {
                let (_, stored, wrapped) = self.new_key(INDEX_SUBJECT);
                sqlx::query(
                    "INSERT INTO data_keys (subject_id, key, wrapped) VALUES ($1, $2, $3) \
                     ON CONFLICT (subject_id) DO NOTHING",
                )
                .bind(INDEX_SUBJECT)
                .bind(&stored)
                .bind(wrapped)
                .execute(pool)
                .await?;
                let (stored, wrapped): (Vec<u8>, bool) =
                    sqlx::query_as("SELECT key, wrapped FROM data_keys WHERE subject_id = $1")
                        .bind(INDEX_SUBJECT)
                        .fetch_one(pool)
                        .await?;
                self.stored_key(INDEX_SUBJECT, &stored, wrapped)
            })
            .await
    }

    /// The keyed hash a uniqueness claim stores for `value` (a normalised e-mail address):
    /// HMAC-SHA-256 under the index key, so the store holds no address, yet the same address
    /// always meets its claim.
    pub async fn index(&self, pool: &PgPool, value: &str) -> Result<String, VaultError> {
        self.index_key(pool).await?;
        self.index_opened(value)
    }

    /// [`Vault::index`] once [`Vault::open`] has loaded the index key.
    pub fn index_opened(&self, value: &str) -> Result<String, VaultError> {
        let key = self.index.get().ok_or(VaultError::NotOpened)?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.0)
            .map_err(|_| VaultError::Damaged(INDEX_SUBJECT))?;
        mac.update(value.as_bytes());
        Ok(format!(
            "hmac-sha256:{}",
            STANDARD.encode(mac.finalize().into_bytes())
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_sealed_for_one_subject_does_not_open_for_another_or_with_another_key() {
        let key = DataKey::generate();
        let (ada, bob) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let sealed = key.seal(ada, b"ada@example.org");
        assert_eq!(
            key.open(ada, &sealed).as_deref(),
            Some(&b"ada@example.org"[..])
        );
        assert_eq!(key.open(bob, &sealed), None, "the subject is authenticated");
        assert_eq!(DataKey::generate().open(ada, &sealed), None);
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(key.open(ada, &tampered), None);
        assert_ne!(
            key.seal(ada, b"x"),
            key.seal(ada, b"x"),
            "a fresh nonce each time"
        );
    }

    #[test]
    fn wrapped_keys_need_the_key_encryption_key_that_wrapped_them() {
        let kek = Kek::parse(&"ab".repeat(32)).unwrap();
        let subject = Uuid::from_u128(7);
        let (key, stored, wrapped) = Vault::new(Some(kek.clone())).new_key(subject);
        assert!(wrapped);
        assert_ne!(stored, key.0.to_vec(), "the stored bytes are not the key");
        let opened = Vault::new(Some(kek))
            .stored_key(subject, &stored, true)
            .unwrap();
        assert_eq!(opened.0, key.0);
        assert!(matches!(
            Vault::new(None).stored_key(subject, &stored, true),
            Err(VaultError::KekRequired)
        ));
        let other = Kek::parse(&"cd".repeat(32)).unwrap();
        assert!(matches!(
            Vault::new(Some(other)).stored_key(subject, &stored, true),
            Err(VaultError::KekWrong)
        ));
    }

    #[test]
    fn a_key_encryption_key_is_64_hexadecimal_digits() {
        assert!(Kek::parse(&"0f".repeat(32)).is_ok());
        assert_eq!(Kek::parse("abc").unwrap_err(), KekError);
        assert_eq!(Kek::parse(&"zz".repeat(32)).unwrap_err(), KekError);
    }
}
