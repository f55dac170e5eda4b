//! Waiting until an API instance `LISTEN`s for projection notices on a database.

use commands::testing::eventually;
use sqlx::PgPool;
use std::time::Duration;

/// Waits until some session on `pool`'s database listens for notices (an API's).
pub async fn until_an_api_listens(pool: &PgPool) {
    eventually(Duration::from_secs(30), "the API to LISTEN", || async {
        let listening: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if listening > 0 {
            Ok(())
        } else {
            Err(listening)
        }
    })
    .await;
}
