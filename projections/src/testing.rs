//! For tests comparing read models: every row of a projection's tables, in a stable order.

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
