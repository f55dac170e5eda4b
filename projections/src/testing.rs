//! For tests comparing read models: every row of a projection's tables in a stable order, and
//! the comparison with a single-threaded replay.

use crate::projection::{ALL, Projection};
use crate::reader::{LOGGED_COLUMNS, LOGGED_FROM, Logged};
use serde_json::{Value, json};
use sqlx::FromRow;
use sqlx::{PgPool, Row};

/// Every row of the projection's live tables as JSON (`{"table", "row"}`), sorted.
pub async fn dump(pool: &PgPool, projection: &dyn Projection) -> Result<Vec<Value>, sqlx::Error> {
    dump_schema(pool, projection, projection.schema()).await
}

/// Every row of the projection's tables in `schema` (live or a shadow), sorted.
pub async fn dump_schema(
    pool: &PgPool,
    projection: &dyn Projection,
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
/// log, one event per batch in position order, into a database of its own.
pub async fn assert_equals_replay(pool: &PgPool) {
    let replica = commands::testing::TestDatabase::create().await;
    let sql = format!("SELECT {LOGGED_COLUMNS} FROM {LOGGED_FROM} ORDER BY e.position");
    let events: Vec<Logged> = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|row| Logged::from_row(row).unwrap())
        .collect();
    for projection in ALL {
        let reads = projection.reads();
        let mut tx = replica.pool.begin().await.unwrap();
        crate::projection::use_schema(&mut tx, projection.schema())
            .await
            .unwrap();
        for event in events
            .iter()
            .filter(|event| reads.includes(&event.stream_type, &event.event_type))
        {
            let decoded = event.clone().decode().unwrap();
            projection
                .apply(&mut tx, std::slice::from_ref(&decoded))
                .await
                .unwrap();
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

/// How many events of the log the projection reads (what its `events_applied` reaches once it
/// has applied each exactly once, with nothing parked).
pub async fn events_read_by(
    pool: &PgPool,
    projection: &dyn Projection,
) -> Result<i64, sqlx::Error> {
    projection.reads().count(pool).await
}
