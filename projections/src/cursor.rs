//! Opaque keyset cursors: the (created_at, id) of the last item of a page, base64url-encoded.

use crate::error::QueryError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where the next page starts: strictly after this key in (created_at, id) descending order.
/// Both are immutable, so creatures inserted meanwhile never shift a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "t")]
    created_at: DateTime<Utc>,
    #[serde(rename = "i")]
    id: Uuid,
}

impl Cursor {
    /// A cursor after the given item.
    pub fn after(created_at: DateTime<Utc>, id: Uuid) -> Self {
        Self { created_at, id }
    }

    /// The key.
    pub fn key(&self) -> (DateTime<Utc>, Uuid) {
        (self.created_at, self.id)
    }

    /// The opaque text sent to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads a cursor a client sent back.
    pub fn decode(text: &str) -> Result<Self, QueryError> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| QueryError::Invalid {
                field: "cursor",
                message: "is not a cursor this API gave out".into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_the_round_trip_and_garbage_is_refused() {
        let cursor = Cursor::after(Utc::now(), Uuid::now_v7());
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        assert!(Cursor::decode("not-a-cursor").is_err());
        assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode(b"{\"t\": 1}")).is_err());
    }
}
