//! 10,000 events from 16 concurrent writers while the worker runs: every projection ends with
//! exactly the state of a single-threaded replay.

use crate::helpers::{
    RunningWorker, assert_applied_once, assert_equals_replay, publish_head, settings,
    wait_for_head, write_workload,
};
use commands::testing::TestDatabase;
use commands::{CommandHandler, EventStore};
use std::time::Duration;

const REDIS: &str = "redis://127.0.0.1:6379";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn projections_of_16_concurrent_writers_equal_a_single_threaded_replay() {
    let db = TestDatabase::create().await;
    let settings = settings(REDIS);
    let prefix = settings.redis_prefix.clone();
    let worker = RunningWorker::start(db.pool.clone(), settings);
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    let writers = (0..16).map(|writer| {
        let handler = handler.clone();
        let prefix = prefix.clone();
        tokio::spawn(async move {
            write_workload(handler, writer, 625, |position| {
                let prefix = prefix.clone();
                async move { publish_head(REDIS, &prefix, position).await }
            })
            .await;
        })
    });
    for writer in futures::future::join_all(writers).await {
        writer.unwrap();
    }
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(total >= 10_000, "{total} events");
    wait_for_head(&db.pool, Duration::from_secs(120)).await;
    worker.stop().await;
    assert_applied_once(&db.pool).await;
    assert_equals_replay(&db.pool).await;
}
