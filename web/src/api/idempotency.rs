//! Idempotency keys for commands: one fresh key per distinct request, the same key when the
//! same request is sent again after a failure, so a retry never acts twice.

/// The key of the last request that did not get a definite answer, per form.
#[derive(Debug, Default)]
pub struct IdempotencyKeys {
    unanswered: Option<(String, String)>,
}

impl IdempotencyKeys {
    /// The key for a request, identified by its method, path and body: the previous key if
    /// that request is being retried, a new one otherwise.
    pub fn key_for(&mut self, request: &str) -> String {
        match &self.unanswered {
            Some((previous, key)) if previous == request => key.clone(),
            _ => {
                let key = new_key();
                self.unanswered = Some((request.to_owned(), key.clone()));
                key
            }
        }
    }

    /// The request got a definite answer (success, or a refusal that a retry won't change).
    pub fn settled(&mut self) {
        self.unanswered = None;
    }
}

/// A random (version 4) UUID. `crypto.getRandomValues` works on plain-HTTP origins too,
/// unlike `crypto.randomUUID`.
pub fn new_key() -> String {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

#[cfg(target_arch = "wasm32")]
fn fill_random(bytes: &mut [u8]) {
    let filled = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .and_then(|crypto| crypto.get_random_values_with_u8_array(bytes).ok());
    if filled.is_none() {
        // No Web Crypto: Math.random is weaker but keys only need to be unlikely to collide.
        for byte in bytes.iter_mut() {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn fill_random(bytes: &mut [u8]) {
    // Host builds exist for unit tests only: the clock and a counter through xorshift.
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static CALLS: AtomicU64 = AtomicU64::new(1);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() as u64);
    let mut state = nanos
        ^ CALLS
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        | 1;
    for byte in bytes.iter_mut() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *byte = state as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn a_retried_request_keeps_its_key_and_a_new_one_gets_another() {
        let mut keys = IdempotencyKeys::default();
        let first = keys.key_for("POST /creatures {\"name\":\"Smaug\"}");
        assert_eq!(keys.key_for("POST /creatures {\"name\":\"Smaug\"}"), first);
        let changed = keys.key_for("POST /creatures {\"name\":\"Smaug II\"}");
        assert_ne!(changed, first);
        keys.settled();
        assert_ne!(
            keys.key_for("POST /creatures {\"name\":\"Smaug II\"}"),
            changed
        );
    }

    #[test]
    fn keys_are_version_4_uuids() {
        let key = Uuid::parse_str(&new_key()).unwrap();
        assert_eq!(key.get_version_num(), 4);
    }
}
