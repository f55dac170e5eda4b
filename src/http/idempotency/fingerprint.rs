//! Request fingerprints: an HMAC of method, path and body, keyed by a key derived from
//! `SECRET_KEY`, so a stored fingerprint reveals nothing of the body (a login's password).

use crate::config::Secret;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt::Write;

/// The key fingerprints are made with.
#[derive(Clone)]
pub struct FingerprintKey([u8; 32]);

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(***)")
    }
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
}

impl FingerprintKey {
    /// Derives the key from the signing secret.
    pub fn derive(secret: &Secret) -> Self {
        let mut mac = mac(secret.expose().as_bytes());
        mac.update(b"bestiary request fingerprint key");
        Self(mac.finalize().into_bytes().into())
    }

    /// The hex HMAC of the given parts, each length-prefixed so they cannot run together.
    pub fn sign(&self, parts: &[&[u8]]) -> String {
        let mut mac = mac(&self.0);
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize()
            .into_bytes()
            .iter()
            .fold(String::with_capacity(64), |mut hex, byte| {
                let _ = write!(hex, "{byte:02x}");
                hex
            })
    }
}

/// The fingerprint of a request: its method, path with query, `If-Match` and body.
pub fn fingerprint(
    key: &FingerprintKey,
    method: &str,
    path: &str,
    if_match: &[u8],
    body: &[u8],
) -> String {
    key.sign(&[method.as_bytes(), path.as_bytes(), if_match, body])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_differ_by_method_path_body_and_secret() {
        let key = FingerprintKey::derive(&Secret::new("one secret that is long enough......."));
        let base = fingerprint(&key, "POST", "/creatures", b"", b"{}");
        assert_eq!(base, fingerprint(&key, "POST", "/creatures", b"", b"{}"));
        assert_ne!(base, fingerprint(&key, "PUT", "/creatures", b"", b"{}"));
        assert_ne!(base, fingerprint(&key, "POST", "/creatures/x", b"", b"{}"));
        assert_ne!(base, fingerprint(&key, "POST", "/creatures", b"3", b"{}"));
        assert_ne!(base, fingerprint(&key, "POST", "/creatures", b"", b"{ }"));
        let other = FingerprintKey::derive(&Secret::new("another secret that is long enough..."));
        assert_ne!(base, fingerprint(&other, "POST", "/creatures", b"", b"{}"));
        assert_eq!(base.len(), 64);
    }
}
