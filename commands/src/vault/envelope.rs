//! The sealed envelope of an event's personal fields. Sealing moves those fields out of the
//! payload into one ciphertext:
//! `{"role": "user", "sealed": {"subject": "…", "fields": ["email", …], "data": "…"}}`,
//! `data` being base64 of nonce, ciphertext and tag of the fields as a JSON object. Unsealing
//! puts them back, or sets each named field to `null` when the subject's key is gone
//! (forgotten). A payload without the envelope (events from before encryption) is read as it
//! is.

use super::keys::DataKey;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// The payload field holding the envelope.
pub const SEALED: &str = "sealed";

/// What unsealing found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsealed {
    /// No envelope: nothing was sealed.
    Plain,
    /// The fields were opened with the subject's key.
    Opened,
    /// The subject's key is gone: the fields read as forgotten (`null`).
    Forgotten,
}

/// An envelope that does not open with the subject's own key (damaged, or sealed for someone
/// else).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the sealed personal data does not open with its subject's key")]
pub struct Unopenable;

/// Seals `fields` of `payload` for `subject` with `key` (nothing happens without any of them).
pub fn seal(payload: &mut Value, fields: &[&str], subject: Uuid, key: &DataKey) {
    let Value::Object(object) = payload else {
        return;
    };
    let personal: Map<String, Value> = fields
        .iter()
        .filter_map(|field| {
            object
                .remove(*field)
                .map(|value| ((*field).to_owned(), value))
        })
        .collect();
    if personal.is_empty() {
        return;
    }
    let names: Vec<&String> = personal.keys().collect();
    let names = json!(names);
    let plaintext = Value::Object(personal).to_string();
    let data = STANDARD.encode(key.seal(subject, plaintext.as_bytes()));
    object.insert(
        SEALED.to_owned(),
        json!({"subject": subject, "fields": names, "data": data}),
    );
}

/// The subject an envelope in `payload` is sealed for, if there is one.
pub fn subject_of(payload: &Value) -> Option<Uuid> {
    payload.get(SEALED)?.get("subject")?.as_str()?.parse().ok()
}

/// Opens the envelope of `payload` with its subject's key, or marks the fields it holds
/// forgotten when there is no key.
pub fn unseal(payload: &mut Value, key: Option<&DataKey>) -> Result<Unsealed, Unopenable> {
    let Some(subject) = subject_of(payload) else {
        return Ok(Unsealed::Plain);
    };
    let Value::Object(object) = payload else {
        return Ok(Unsealed::Plain);
    };
    let envelope = object.remove(SEALED).unwrap_or_default();
    let Some(key) = key else {
        for field in envelope["fields"].as_array().into_iter().flatten() {
            if let Some(field) = field.as_str() {
                object.insert(field.to_owned(), Value::Null);
            }
        }
        return Ok(Unsealed::Forgotten);
    };
    let sealed = envelope["data"]
        .as_str()
        .and_then(|data| STANDARD.decode(data).ok())
        .ok_or(Unopenable)?;
    let opened = key.open(subject, &sealed).ok_or(Unopenable)?;
    let Ok(Value::Object(personal)) = serde_json::from_slice(&opened) else {
        return Err(Unopenable);
    };
    object.extend(personal);
    Ok(Unsealed::Opened)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registered() -> Value {
        json!({"email": "ada@example.org", "display_name": "Ada", "role": "user"})
    }

    const FIELDS: &[&str] = &["email", "display_name"];

    #[test]
    fn sealed_fields_leave_the_payload_and_come_back_with_the_key() {
        let (subject, key) = (Uuid::from_u128(1), DataKey::generate());
        let mut payload = registered();
        seal(&mut payload, FIELDS, subject, &key);
        let text = payload.to_string();
        assert!(
            !text.contains("ada@example.org") && !text.contains("Ada"),
            "{text}"
        );
        assert_eq!(payload["role"], "user");
        assert_eq!(subject_of(&payload), Some(subject));
        assert_eq!(unseal(&mut payload, Some(&key)), Ok(Unsealed::Opened));
        assert_eq!(payload, registered());
    }

    #[test]
    fn without_the_key_the_fields_read_as_forgotten() {
        let (subject, key) = (Uuid::from_u128(1), DataKey::generate());
        let mut payload = registered();
        seal(&mut payload, FIELDS, subject, &key);
        assert_eq!(unseal(&mut payload, None), Ok(Unsealed::Forgotten));
        assert_eq!(
            payload,
            json!({"email": null, "display_name": null, "role": "user"})
        );
    }

    #[test]
    fn an_envelope_does_not_open_with_another_subjects_key_or_under_another_subject() {
        let (ada, bob) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let (ada_key, bob_key) = (DataKey::generate(), DataKey::generate());
        let mut payload = registered();
        seal(&mut payload, FIELDS, ada, &ada_key);
        assert_eq!(
            unseal(&mut payload.clone(), Some(&bob_key)),
            Err(Unopenable)
        );
        // Relabelled as Bob's, it fails the associated data even with Ada's key.
        payload[SEALED]["subject"] = json!(bob);
        assert_eq!(unseal(&mut payload, Some(&ada_key)), Err(Unopenable));
    }

    #[test]
    fn a_payload_from_before_encryption_reads_as_it_is() {
        let mut payload = registered();
        assert_eq!(unseal(&mut payload, None), Ok(Unsealed::Plain));
        assert_eq!(payload, registered());
    }
}
