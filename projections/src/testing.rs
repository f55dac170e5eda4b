//! For tests comparing read models: every row of a projection's tables in a stable order, and
//! the comparison with a single-threaded replay.

use crate::projection::Projection;
use serde_json::{Value, json};
use sqlx::{PgPool, Row};

/// Every row of the projection's live tables as JSON (`{"table", "row"}`), sorted.
pub async fn dump(pool: &PgPool, projection: Projection) -> Result<Vec<Value>, sqlx::Error> {
    dump_schema(pool, projection, projection.schema()).await
}

/// Every row of the projection's tables in `schema` (live or a shadow), sorted.
pub async fn dump_schema(
    pool: &PgPool,
    projection: Projection,
    schema: &str,
) -> Result<Vec<Value>, sqlx::Error> {
    let mut rows = Vec::new();
    for table in projection.tables() {
        let sql = format!("SELECT to_jsonb(t)::text AS row FROM {schema}.{table} t ORDER BY 1");
        for row in sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?
        {
            let row: String = row.try_get("row")?;
            rows.push(json!({"table": table, "row": row}));
        }
    }
    Ok(rows)
}

/// Asserts that each projection's live tables equal a single-threaded replay of the whole
/// log, event by event in position order, into a database of its own.
pub async fn assert_equals_replay(pool: &PgPool) {
    let replica = commands::testing::TestDatabase::create().await;
    let rows = sqlx::query("SELECT * FROM events ORDER BY position")
        .fetch_all(pool)
        .await
        .unwrap();
    let events: Vec<commands::RecordedEvent> = rows
        .iter()
        .map(|row| commands::RecordedEvent::from_row(row).unwrap())
        .collect();
    for projection in Projection::ALL {
        let mut tx = replica.pool.begin().await.unwrap();
        crate::projection::use_schema(&mut tx, projection.schema())
            .await
            .unwrap();
        for event in &events {
            projection.apply(&mut tx, event).await.unwrap();
        }
        tx.commit().await.unwrap();
        let live = dump(pool, projection).await.unwrap();
        let replayed = dump(&replica.pool, projection).await.unwrap();
        assert!(
            !replayed.is_empty(),
            "{} replayed into something",
            projection.name()
        );
        assert_eq!(
            live.len(),
            replayed.len(),
            "{}: row counts",
            projection.name()
        );
        for (live, replayed) in live.iter().zip(&replayed) {
            assert_eq!(live, replayed, "{}: rows differ", projection.name());
        }
    }
}
