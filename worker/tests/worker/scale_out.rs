//! Two workers: each projection is run by one of them at a time; stop that one and the other
//! takes over.

use crate::helpers::{
    RunningWorker, assert_applied_once, assert_equals_replay, settings, wait_for_head,
    write_workload,
};
use commands::testing::TestDatabase;
use commands::testing::eventually;
use commands::{CommandHandler, EventStore};
use std::time::Duration;
use worker::lease::LEASE_CLASS;

const REDIS: &str = "redis://127.0.0.1:6379";

/// Granted projection leases in this database, per projection index.
async fn leases(pool: &sqlx::PgPool) -> Vec<(i32, i64)> {
    sqlx::query_as(
        "SELECT objid::int, count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted \
         AND classid = $1::oid AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         GROUP BY objid ORDER BY objid",
    )
    .bind(i64::from(LEASE_CLASS))
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn wait_for_leases(pool: &sqlx::PgPool) {
    let all: Vec<(i32, i64)> = projections::projection::ALL
        .iter()
        .map(|projection| (projection.index(), 1))
        .collect();
    eventually(
        Duration::from_secs(15),
        "one lease per projection",
        || async {
            let held = leases(pool).await;
            if held == all { Ok(()) } else { Err(held) }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_projection_is_run_by_one_worker_and_another_takes_over_when_it_stops() {
    let db = TestDatabase::create().await;
    let settings = settings(REDIS);
    let first = RunningWorker::start(db.pool.clone(), settings.clone());
    wait_for_leases(&db.pool).await;
    let second = RunningWorker::start(db.pool.clone(), settings.clone());

    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    write_workload(handler.clone(), 0, 300, |_| async {}).await;
    wait_for_head(&db.pool, Duration::from_secs(30)).await;
    assert_eq!(
        leases(&db.pool).await,
        vec![(1, 1), (2, 1), (3, 1)],
        "one lease per projection, never two"
    );

    first.stop().await;
    write_workload(handler, 1, 300, |_| async {}).await;
    wait_for_head(&db.pool, Duration::from_secs(30)).await;
    wait_for_leases(&db.pool).await;
    second.stop().await;
    assert_applied_once(&db.pool).await;
    assert_equals_replay(&db.pool).await;
}
