//! What every stored event knows about itself: its type name, its schema version, how it
//! becomes a JSON payload and back (upcasting older versions), and the set-based uniqueness
//! claims the event store must enforce in the same transaction.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// An event that can be stored and read back across schema versions. Events are adjacently
/// tagged serde enums (`{"type", "data"}`); the payload stored is the data.
pub trait DomainEvent: Serialize + DeserializeOwned {
    /// The newest schema version this code writes and reads for any of its types (a type
    /// whose version differs overrides [`DomainEvent::written_version`]).
    const LATEST_VERSION: u16 = 1;

    /// The stored type name, from an exhaustive match on the enum.
    fn event_type(&self) -> &'static str;

    /// The schema version this code writes, and reads without upcasting, for a type name.
    fn written_version(_event_type: &str) -> u16 {
        Self::LATEST_VERSION
    }

    /// The schema version this code writes for the event's type.
    fn schema_version(&self) -> u16 {
        Self::written_version(self.event_type())
    }

    /// Turns a payload of an older schema version of `event_type` into the shape this code
    /// writes (types that changed shape override this).
    fn upcast(_event_type: &str, _schema_version: u16, payload: Value) -> Value {
        payload
    }

    /// The event's data as the JSON payload that is stored.
    fn to_payload(&self) -> Value {
        encode_data(self)
    }

    /// Reads a stored event, upcasting payloads written by an older schema version.
    fn from_stored(
        event_type: &str,
        schema_version: u16,
        payload: Value,
    ) -> Result<Self, DecodeError> {
        let written = Self::written_version(event_type);
        let payload = match schema_version {
            version if version > written => return Err(newer(event_type, version, written)),
            version if version < written => Self::upcast(event_type, version, payload),
            _ => payload,
        };
        decode_data(event_type, schema_version, payload)
    }

    /// Reads a stored event from its payload's JSON text: straight into the event when it is
    /// in the shape this code writes (the common case, parsed once), through
    /// [`DomainEvent::from_stored`] when it must be upcast.
    fn from_stored_text(
        event_type: &str,
        schema_version: u16,
        payload: &str,
    ) -> Result<Self, DecodeError> {
        let written = Self::written_version(event_type);
        if schema_version != written {
            let payload = serde_json::from_str(payload)
                .map_err(|error| malformed(event_type, schema_version, &error))?;
            return Self::from_stored(event_type, schema_version, payload);
        }
        // `["type", data]`, the sequence an adjacently tagged enum reads (see `decode_data`).
        let tag = serde_json::to_string(event_type)
            .map_err(|error| malformed(event_type, schema_version, &error))?;
        let text = format!("[{tag},{payload}]");
        serde_json::from_str(&text).map_err(|error| malformed(event_type, schema_version, &error))
    }

    /// Reads an event whose data is already in this code's newest schema, as the API serves a
    /// stream's history (clients such as the SPA fold it with the same `evolve`).
    fn from_current(event_type: &str, data: Value) -> Result<Self, DecodeError> {
        decode_data(event_type, Self::LATEST_VERSION, data)
    }

    /// The fields of `event_type`'s data that identify a person: the event store encrypts
    /// them with the key of the event's subject, and they read as `null` (see
    /// [`Personal`](crate::values::Personal)) once that subject is forgotten.
    fn personal_fields(_event_type: &str) -> &'static [&'static str] {
        &[]
    }

    /// The uniqueness rules this event claims or releases (unique e-mails, tag names).
    fn unique_claims(&self) -> Vec<UniqueClaim> {
        Vec::new()
    }

    /// Whether this event ends every session of its stream's user (moves their session epoch
    /// on, so tokens issued before are refused). The event store records the new epoch in the
    /// same transaction.
    fn ends_sessions(&self) -> bool {
        false
    }
}

/// A stored event that this code cannot read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// The event was written by a newer schema than this code knows.
    #[error("{event_type} has schema version {found}, newer than {known}")]
    NewerVersion {
        /// The stored type name.
        event_type: String,
        /// The stored schema version.
        found: u16,
        /// The newest version this code knows.
        known: u16,
    },
    /// The type name or payload does not match any event.
    #[error("cannot read {event_type} v{schema_version}: {reason}")]
    Malformed {
        /// The stored type name.
        event_type: String,
        /// The stored schema version.
        schema_version: u16,
        /// What serde said.
        reason: String,
    },
}

/// A set of values that must stay unique across all streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UniqueSet {
    /// E-mail addresses of users, compared case-insensitively.
    UserEmail,
    /// Names of tags, compared case-insensitively.
    TagName,
}

impl UniqueSet {
    /// The set's stored name.
    pub const fn as_str(&self) -> &'static str {
        match self {
            UniqueSet::UserEmail => "user_email",
            UniqueSet::TagName => "tag_name",
        }
    }

    /// The set stored under `name` (the reverse of [`UniqueSet::as_str`]).
    pub fn named(name: &str) -> Option<Self> {
        [UniqueSet::UserEmail, UniqueSet::TagName]
            .into_iter()
            .find(|set| set.as_str() == name)
    }
}

/// Take or give back a value in a [`UniqueSet`], atomically with the event that does it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UniqueClaim {
    /// The value becomes taken; appending fails if someone holds it already.
    Claim {
        /// Which set.
        set: UniqueSet,
        /// The normalised value.
        key: String,
    },
    /// The value becomes free again.
    Release {
        /// Which set.
        set: UniqueSet,
        /// The normalised value.
        key: String,
    },
    /// Every value of the set that the event's stream holds becomes free (for an event that
    /// does not know the value any more, such as forgetting a person).
    ReleaseAll {
        /// Which set.
        set: UniqueSet,
    },
}

/// Serialises an adjacently tagged event enum (`{"type", "data"}`) and keeps only its data.
pub(crate) fn encode_data<E: Serialize>(event: &E) -> Value {
    // Event enums are plain data with string keys: serialising them cannot fail.
    match serde_json::to_value(event) {
        Ok(Value::Object(mut fields)) => fields.remove("data"),
        _ => None,
    }
    .unwrap_or_else(|| json!({}))
}

/// Reads an adjacently tagged event enum back from its type name and data, already in the
/// shape this code writes (`schema_version` is what the error names).
pub(crate) fn decode_data<E: DeserializeOwned>(
    event_type: &str,
    schema_version: u16,
    data: Value,
) -> Result<E, DecodeError> {
    // As the sequence `[type, data]`, which an adjacently tagged enum also reads: the type
    // comes first, so the data is read straight into its variant (a map would come sorted,
    // data first, and be buffered before its type is known).
    serde_json::from_value(Value::Array(vec![
        Value::String(event_type.to_owned()),
        data,
    ]))
    .map_err(|error| malformed(event_type, schema_version, &error))
}

fn newer(event_type: &str, found: u16, known: u16) -> DecodeError {
    DecodeError::NewerVersion {
        event_type: event_type.to_owned(),
        found,
        known,
    }
}

fn malformed(event_type: &str, schema_version: u16, error: &serde_json::Error) -> DecodeError {
    DecodeError::Malformed {
        event_type: event_type.to_owned(),
        schema_version,
        reason: error.to_string(),
    }
}
