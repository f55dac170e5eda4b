//! Rebuilds: a cancelled one leaves the live tables untouched; a second one is refused; one
//! whose process stopped is reported failed and can be started again.

use crate::fixture::{Fixture, dump};
use commands::testing::eventually;
use projections::rebuild::RebuildState;
use projections::rebuild::{self, Finished, RebuildError};
use std::time::{Duration, Instant};

/// Appends `count` creature registrations in one statement (a large log, quickly).
async fn bulk_register(fixture: &Fixture, count: i64) {
    sqlx::query(
        "INSERT INTO events (event_id, stream_id, stream_type, version, event_type, schema_version, payload, \
             actor_kind, correlation_id) \
         SELECT gen_random_uuid(), gen_random_uuid(), 'creature', 1, 'CreatureRegistered', 2, \
             jsonb_build_object('name', 'Creature ' || i, 'species', 'dragon', 'description', '', \
                 'traits', '{}'::jsonb, 'owner', gen_random_uuid()), 'system', gen_random_uuid() \
         FROM generate_series(1, $1) i",
    )
    .bind(count)
    .execute(&fixture.db.pool)
    .await
    .unwrap();
}

/// Rebuilds the creatures projection to its swap; its tables end as `before`.
async fn rebuild_to_the_end(fixture: &Fixture, before: &[serde_json::Value]) {
    let claimed = rebuild::claim(&fixture.db.pool, &projections::creatures::Creatures)
        .await
        .unwrap();
    assert_eq!(
        claimed.run(&fixture.db.pool, |_| {}).await.unwrap(),
        Finished::Swapped
    );
    assert_eq!(
        dump(&fixture.db.pool, &projections::creatures::Creatures).await,
        before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancelled_rebuild_leaves_the_live_tables_untouched() {
    let fixture = Fixture::new().await;
    bulk_register(&fixture, 8_000).await;
    fixture.catch_up(&projections::creatures::Creatures).await;
    let before = dump(&fixture.db.pool, &projections::creatures::Creatures).await;
    let checkpoint: i64 =
        sqlx::query_scalar("SELECT position FROM projection_checkpoints WHERE name = 'creatures'")
            .fetch_one(&fixture.db.pool)
            .await
            .unwrap();

    let claimed = rebuild::claim(&fixture.db.pool, &projections::creatures::Creatures)
        .await
        .unwrap();
    assert!(matches!(
        rebuild::claim(&fixture.db.pool, &projections::creatures::Creatures).await,
        Err(RebuildError::AlreadyRunning("creatures"))
    ));
    // The rebuild reports its first progress (the bulk load done) and waits there until the
    // cancel is asked for.
    let (started, has_started) = std::sync::mpsc::channel();
    let (go_on, may_go_on) = std::sync::mpsc::channel::<()>();
    let pool = fixture.db.pool.clone();
    let running = tokio::spawn(async move {
        let mut first = true;
        claimed
            .run(&pool, move |progress| {
                if std::mem::take(&mut first) {
                    started.send(progress.events_done).unwrap();
                    // Off the runtime's worker while it waits, so the tasks it woke run on.
                    tokio::task::block_in_place(|| may_go_on.recv().unwrap());
                }
            })
            .await
            .unwrap()
    });
    let done = tokio::task::spawn_blocking(move || has_started.recv().unwrap())
        .await
        .unwrap();
    assert_eq!(done, 8_000, "the bulk load folded every event");
    let status = rebuild::status(&fixture.db.pool).await.unwrap();
    assert_eq!(status[0].state, RebuildState::Running);
    assert!(
        rebuild::cancel(&fixture.db.pool, &projections::creatures::Creatures)
            .await
            .unwrap()
    );
    go_on.send(()).unwrap();
    assert_eq!(running.await.unwrap(), Finished::Cancelled);

    assert_eq!(
        dump(&fixture.db.pool, &projections::creatures::Creatures).await,
        before,
        "live tables untouched"
    );
    let after: i64 =
        sqlx::query_scalar("SELECT position FROM projection_checkpoints WHERE name = 'creatures'")
            .fetch_one(&fixture.db.pool)
            .await
            .unwrap();
    assert_eq!(after, checkpoint);
    let shadows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'proj_%_rebuild'")
            .fetch_one(&fixture.db.pool)
            .await
            .unwrap();
    assert_eq!(shadows, 0, "the shadow is dropped");
    let status = rebuild::status(&fixture.db.pool).await.unwrap();
    assert_eq!(status[0].state, RebuildState::Cancelled);
    // And it can be started again.
    rebuild_to_the_end(&fixture, &before).await;
}

#[tokio::test]
async fn a_rebuild_whose_process_stopped_is_reported_failed_and_can_start_again() {
    let fixture = Fixture::new().await;
    bulk_register(&fixture, 8_000).await;
    fixture.catch_up(&projections::creatures::Creatures).await;
    let before = dump(&fixture.db.pool, &projections::creatures::Creatures).await;
    let creatures = |status: Vec<rebuild::RebuildProgress>| {
        status.into_iter().find(|p| p.name == "creatures").unwrap()
    };

    let claimed = rebuild::claim(&fixture.db.pool, &projections::creatures::Creatures)
        .await
        .unwrap();
    // The rebuild's "process" has a pool of its own, so its death can take its connections
    // with it: a task aborted mid-transaction would otherwise hand an open transaction back to
    // a shared pool, which no real process death does.
    let process = sqlx::PgPool::connect_with((*fixture.db.pool.connect_options()).clone())
        .await
        .unwrap();
    let pool = process.clone();
    let running = tokio::spawn(async move { claimed.run(&pool, |_| {}).await });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = creatures(rebuild::status(&fixture.db.pool).await.unwrap());
        assert_eq!(
            now.state,
            RebuildState::Running,
            "a live rebuild is not judged abandoned"
        );
        if now.events_done > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the rebuild never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Its process dies: the task and its connections go, with no outcome recorded.
    running.abort();
    assert!(running.await.unwrap_err().is_cancelled());
    process.close().await;

    let failed = eventually(
        Duration::from_secs(10),
        "the rebuild to stop running",
        || async {
            let now = creatures(rebuild::status(&fixture.db.pool).await.unwrap());
            if now.state == RebuildState::Running {
                Err(now.state)
            } else {
                Ok(now)
            }
        },
    )
    .await;
    assert_eq!(failed.state, RebuildState::Failed);
    assert_eq!(failed.error.as_deref(), Some(rebuild::ABANDONED));
    assert!(failed.finished_at.is_some());
    assert_eq!(
        dump(&fixture.db.pool, &projections::creatures::Creatures).await,
        before
    );

    rebuild_to_the_end(&fixture, &before).await;
    let done = creatures(rebuild::status(&fixture.db.pool).await.unwrap());
    assert_eq!((done.state.as_str(), done.error), ("done", None));
}
