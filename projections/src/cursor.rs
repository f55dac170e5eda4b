//! Opaque keyset cursors: the (created_at, id) of the last item of a page, base64url-encoded.

use crate::error::QueryError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The earliest instant PostgreSQL's `timestamptz` holds, in seconds since 1970: the start of
/// 24 November 4714 BC (UTC). Its latest, in 294276 AD, lies beyond what chrono can hold.
const EARLIEST_STORABLE_SECONDS: i64 = -210_866_803_200;

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

    /// Reads a cursor a client sent back; one holding a time PostgreSQL cannot store was not
    /// given out by this API.
    pub fn decode(text: &str) -> Result<Self, QueryError> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Self>(&bytes).ok())
            .filter(|cursor| cursor.created_at.timestamp() >= EARLIEST_STORABLE_SECONDS)
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

    #[test]
    fn a_time_before_postgresqls_range_is_refused_and_its_first_instant_is_not() {
        let earliest = chrono::NaiveDate::from_ymd_opt(-4713, 11, 24)
            .and_then(|day| day.and_hms_opt(0, 0, 0))
            .unwrap()
            .and_utc();
        assert_eq!(earliest.timestamp(), EARLIEST_STORABLE_SECONDS);
        let id = Uuid::now_v7();
        let first = Cursor::after(earliest, id);
        assert_eq!(Cursor::decode(&first.encode()).unwrap(), first);
        let before = Cursor::after(earliest - chrono::Duration::microseconds(1), id);
        assert!(Cursor::decode(&before.encode()).is_err());
        assert!(Cursor::decode(&Cursor::after(DateTime::<Utc>::MIN_UTC, id).encode()).is_err());
        let latest = Cursor::after(DateTime::<Utc>::MAX_UTC, id);
        assert_eq!(Cursor::decode(&latest.encode()).unwrap(), latest);
    }
}
