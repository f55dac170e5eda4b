//! The signing key ring. PostgreSQL holds the key ids with their lifetimes; each key's
//! material is HMAC-SHA256(`SECRET_KEY`, key id), so no secret is stored anywhere and a new
//! `SECRET_KEY` invalidates every token. The newest unexpired key without an end signs; every
//! unexpired key verifies, which lets a rotation keep earlier tokens valid for a grace window.

use super::tokens::{Claims, ISSUER, TokenError};
use crate::config::Secret;
use chrono::{DateTime, Utc};
use domain::Role;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sha2::Sha256;
use sqlx::PgPool;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;
use uuid::Uuid;

/// How old the cached ring may get before a verification reloads it (covers rotations made
/// by another instance).
const MAX_RING_AGE: Duration = Duration::from_secs(5);
/// How soon after a reload an unknown key id may trigger another one.
const MIN_RELOAD_INTERVAL: Duration = Duration::from_secs(1);
/// Serialises key ring changes across instances (`pg_advisory_xact_lock`).
const KEY_RING_LOCK: i64 = 0x6265_7374_6b65_7973; // "bestkeys"

struct Key {
    kid: String,
    material: [u8; 32],
    expires_at: Option<DateTime<Utc>>,
}

struct Ring {
    /// Newest first.
    keys: Vec<Key>,
    loaded_at: Instant,
}

/// The JWT signing keys, cached from PostgreSQL.
pub struct KeyRing {
    pool: PgPool,
    secret: Secret,
    token_ttl: Duration,
    ring: RwLock<Ring>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("token_ttl", &self.token_ttl)
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// Loads the ring, creating the first key if there is no active one.
    pub async fn load(
        pool: PgPool,
        secret: Secret,
        token_ttl: Duration,
    ) -> Result<Self, sqlx::Error> {
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(KEY_RING_LOCK)
            .execute(&mut *tx)
            .await?;
        let active: i64 =
            sqlx::query_scalar("SELECT count(*) FROM signing_keys WHERE expires_at IS NULL")
                .fetch_one(&mut *tx)
                .await?;
        if active == 0 {
            insert_key(&mut tx).await?;
        }
        tx.commit().await?;
        let keys = fetch(&pool, &secret).await?;
        Ok(Self {
            pool,
            secret,
            token_ttl,
            ring: RwLock::new(Ring {
                keys,
                loaded_at: Instant::now(),
            }),
        })
    }

    /// How long the tokens it issues live.
    pub fn token_ttl(&self) -> Duration {
        self.token_ttl
    }

    /// Re-reads the keys from PostgreSQL.
    pub async fn reload(&self) -> Result<(), sqlx::Error> {
        let keys = fetch(&self.pool, &self.secret).await?;
        *self.ring.write().await = Ring {
            keys,
            loaded_at: Instant::now(),
        };
        Ok(())
    }

    /// Issues an access token for a user, in their current session epoch, with the active key.
    pub async fn issue(
        &self,
        user: Uuid,
        role: Role,
        session_epoch: u32,
    ) -> Result<String, TokenError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user,
            role,
            sep: session_epoch,
            iat: now,
            exp: now + i64::try_from(self.token_ttl.as_secs()).unwrap_or(i64::MAX / 2),
            iss: ISSUER.into(),
        };
        if self.ring.read().await.loaded_at.elapsed() > MAX_RING_AGE {
            self.reload().await?;
        }
        let ring = self.ring.read().await;
        let active = ring
            .keys
            .iter()
            .find(|key| key.expires_at.is_none())
            .ok_or(TokenError::UnknownKey)?;
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(active.kid.clone());
        jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_secret(&active.material),
        )
        .map_err(|error| TokenError::Signing(error.to_string()))
    }

    /// Signs again a token stored [`unsigned`](super::tokens::unsigned), with the key it names:
    /// HS256 is deterministic, so this is the token first issued. Fails if that key has left
    /// the ring (revoked, or past its grace).
    pub async fn sign_again(&self, unsigned: &str) -> Result<String, TokenError> {
        let message = unsigned
            .strip_suffix('.')
            .ok_or_else(|| TokenError::Invalid("not an unsigned token".into()))?;
        let header = jsonwebtoken::decode_header(unsigned)
            .map_err(|error| TokenError::Invalid(error.to_string()))?;
        let material = self.material_named_by(header).await?;
        let signature = jsonwebtoken::crypto::sign(
            message.as_bytes(),
            &EncodingKey::from_secret(&material),
            Algorithm::HS256,
        )
        .map_err(|error| TokenError::Signing(error.to_string()))?;
        Ok(format!("{message}.{signature}"))
    }

    /// Verifies a token: HS256 only, a known unexpired key, not expired, our issuer.
    pub async fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|error| TokenError::Invalid(error.to_string()))?;
        if header.alg != Algorithm::HS256 {
            return Err(TokenError::Invalid(format!(
                "algorithm {:?} is not accepted",
                header.alg
            )));
        }
        let material = self.material_named_by(header).await?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 5;
        jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&material), &validation)
            .map(|data| data.claims)
            .map_err(|error| TokenError::Invalid(error.to_string()))
    }

    /// Makes a new key active. Earlier keys keep verifying for one token lifetime, or stop at
    /// once with `revoke_previous`. Returns the new key's id.
    pub async fn rotate(&self, revoke_previous: bool) -> Result<String, sqlx::Error> {
        let grace = if revoke_previous {
            Duration::ZERO
        } else {
            self.token_ttl
        };
        let kid = rotate(&self.pool, grace).await?;
        self.reload().await?;
        Ok(kid)
    }

    /// The material of the unexpired key a token's header names; the ring is read again when
    /// it is old, or (at most every [`MIN_RELOAD_INTERVAL`]) when it does not know the key.
    async fn material_named_by(&self, header: Header) -> Result<[u8; 32], TokenError> {
        let kid = header
            .kid
            .ok_or_else(|| TokenError::Invalid("no key id".into()))?;
        let age = self.ring.read().await.loaded_at.elapsed();
        let known = self.material(&kid).await;
        if age > MAX_RING_AGE || (known.is_none() && age > MIN_RELOAD_INTERVAL) {
            self.reload().await?;
        }
        self.material(&kid).await.ok_or(TokenError::UnknownKey)
    }

    async fn material(&self, kid: &str) -> Option<[u8; 32]> {
        let now = Utc::now();
        self.ring
            .read()
            .await
            .keys
            .iter()
            .find(|key| key.kid == kid && key.expires_at.is_none_or(|end| end > now))
            .map(|key| key.material)
    }
}

/// Makes a new signing key active; earlier keys stay valid for `grace` (zero: revoked at
/// once). Instances pick the change up when they next reload the ring. The new key's id.
pub async fn rotate(pool: &PgPool, grace: Duration) -> Result<String, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(KEY_RING_LOCK)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE signing_keys \
         SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), clock_timestamp() + $1 * interval '1 second') \
         WHERE expires_at IS NULL OR expires_at > clock_timestamp()",
    )
    .bind(grace.as_secs_f64())
    .execute(&mut *tx)
    .await?;
    let kid = insert_key(&mut tx).await?;
    tx.commit().await?;
    Ok(kid)
}

async fn insert_key(tx: &mut sqlx::PgConnection) -> Result<String, sqlx::Error> {
    let kid = Uuid::new_v4().simple().to_string();
    sqlx::query("INSERT INTO signing_keys (kid) VALUES ($1)")
        .bind(&kid)
        .execute(tx)
        .await?;
    Ok(kid)
}

async fn fetch(pool: &PgPool, secret: &Secret) -> Result<Vec<Key>, sqlx::Error> {
    let rows: Vec<(String, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT kid, expires_at FROM signing_keys \
         WHERE expires_at IS NULL OR expires_at > now() ORDER BY created_at DESC",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(kid, expires_at)| Key {
            material: derive(secret, &kid),
            expires_at,
            kid,
        })
        .collect())
}

/// The key material for a key id: HMAC-SHA256 keyed by `SECRET_KEY`.
fn derive(secret: &Secret, kid: &str) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(b"bestiary access token signing key:");
    mac.update(kid.as_bytes());
    mac.finalize().into_bytes().into()
}
