//! Opening the sealed payloads of events as they are read: the keys of every subject a batch
//! names, in one query, then each envelope opened with its subject's key, or its fields marked
//! forgotten where the key is gone. A batch with nothing sealed costs no query.

use super::envelope::{subject_of, unseal};
use super::keys::{DataKey, Vault, VaultError};
use serde_json::Value;
use sqlx::PgConnection;
use std::collections::HashMap;
use uuid::Uuid;

impl Vault {
    /// Opens every sealed payload among `payloads` in place.
    pub async fn open_payloads<'a>(
        &self,
        conn: &mut PgConnection,
        payloads: impl IntoIterator<Item = &'a mut Value>,
    ) -> Result<(), VaultError> {
        let sealed: Vec<(&mut Value, Uuid)> = payloads
            .into_iter()
            .filter_map(|payload| subject_of(payload).map(|subject| (payload, subject)))
            .collect();
        if sealed.is_empty() {
            return Ok(());
        }
        let mut subjects: Vec<Uuid> = sealed.iter().map(|(_, subject)| *subject).collect();
        subjects.sort_unstable();
        subjects.dedup();
        let keys = self.keys_of(conn, &subjects).await?;
        for (payload, subject) in sealed {
            unseal(payload, keys.get(&subject)).map_err(|_| VaultError::Unopenable(subject))?;
        }
        Ok(())
    }

    /// The data keys of `subjects` that still exist (a forgotten subject has none).
    pub async fn keys_of(
        &self,
        conn: &mut PgConnection,
        subjects: &[Uuid],
    ) -> Result<HashMap<Uuid, DataKey>, VaultError> {
        let rows: Vec<(Uuid, Vec<u8>, bool)> = sqlx::query_as(
            "SELECT subject_id, key, wrapped FROM data_keys WHERE subject_id = ANY($1)",
        )
        .bind(subjects)
        .fetch_all(conn)
        .await?;
        rows.into_iter()
            .map(|(subject, stored, wrapped)| {
                Ok((subject, self.stored_key(subject, &stored, wrapped)?))
            })
            .collect()
    }
}
