//! For tests comparing read models: every row of a projection's tables, in a stable order.

use crate::projection::Projection;
use serde_json::{Value, json};
use sqlx::{PgPool, Row};

/// Every row of the projection's tables as JSON (`{"table", "row"}`), sorted.
pub async fn dump(pool: &PgPool, projection: Projection) -> Result<Vec<Value>, sqlx::Error> {
    let mut rows = Vec::new();
    for table in projection.tables() {
        let sql = format!("SELECT to_jsonb(t)::text AS row FROM {table} t ORDER BY 1");
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
