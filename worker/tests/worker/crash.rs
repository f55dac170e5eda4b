//! A worker killed mid-batch and started again: nothing missing, nothing applied twice. A
//! worker stopped during a long catch-up stops between batches, not at its end.

use crate::helpers::{
    RunningWorker, assert_applied_once, assert_equals_replay, settings, wait_for_head,
    write_workload,
};
use commands::testing::TestDatabase;
use commands::testing::eventually;
use commands::{CommandHandler, EventStore};
use std::time::{Duration, Instant};

const REDIS: &str = "redis://127.0.0.1:6379";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing() {
    let db = TestDatabase::create().await;
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    let writers = (0..4)
        .map(|writer| tokio::spawn(write_workload(handler.clone(), writer, 750, |_| async {})));
    for writer in futures::future::join_all(writers).await {
        writer.unwrap();
    }
    let total = projections::testing::events_read_by(&db.pool, &projections::creatures::Creatures)
        .await
        .unwrap();

    let mut crashing = settings(REDIS);
    crashing.batch_size = 50;
    let worker = RunningWorker::start(db.pool.clone(), crashing.clone());
    // Kill it once it is well under way, but not done.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let applied: i64 = sqlx::query_scalar(
            "SELECT events_applied FROM projection_checkpoints WHERE name = 'creatures'",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap();
        if applied >= 200 {
            assert!(
                applied < total,
                "the worker finished before it could be killed"
            );
            break;
        }
        assert!(Instant::now() < deadline, "the worker never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    worker.task.abort();
    let _ = worker.task.await;

    let restarted = RunningWorker::start(db.pool.clone(), crashing);
    wait_for_head(&db.pool, Duration::from_secs(120)).await;
    restarted.stop().await;
    assert_applied_once(&db.pool).await;
    assert_equals_replay(&db.pool).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_asked_to_stop_during_a_long_catch_up_stops_between_batches() {
    let db = TestDatabase::create().await;
    // A long log, quickly: 40,000 registrations in one statement.
    sqlx::query(
        "INSERT INTO events (event_id, stream_id, stream_type, version, event_type, schema_version, \
             payload, actor_kind, correlation_id) \
         SELECT gen_random_uuid(), gen_random_uuid(), 'creature', 1, 'CreatureRegistered', 2, \
             jsonb_build_object('name', 'Creature ' || i, 'species', 'dragon', 'description', '', \
                 'traits', '{}'::jsonb, 'owner', gen_random_uuid()), 'system', gen_random_uuid() \
         FROM generate_series(1, 40000) i",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let applied = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COALESCE(max(events_applied), 0) FROM projection_checkpoints \
             WHERE name = 'creatures'",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap()
    };
    let worker = RunningWorker::start(db.pool.clone(), settings(REDIS));
    eventually(Duration::from_secs(60), "500 events applied", || async {
        match applied().await {
            done if done >= 500 => Ok(()),
            done => Err(done),
        }
    })
    .await;
    worker.stop().await;
    let stopped_at = applied().await;
    assert!(
        stopped_at < 40_000,
        "the stop waited for the whole catch-up ({stopped_at} events applied)"
    );

    let restarted = RunningWorker::start(db.pool.clone(), settings(REDIS));
    wait_for_head(&db.pool, Duration::from_secs(120)).await;
    restarted.stop().await;
    assert_applied_once(&db.pool).await;
}
