//! Avatar jobs against real PostgreSQL, Redis and the real ai-service (in-process).

use crate::helpers::{RunningWorker, settings};
use ai_service::Backend;
use commands::handler::Command;
use commands::testing::TestDatabase;
use commands::testing::eventually;
use commands::{CommandHandler, EventStore};
use domain::creature::{Creature, CreatureCommand};
use domain::values::{CreatureName, Description, Species, Traits};
use domain::{Actor, Role, UserId};
use redis_link::testing::OwnRedis;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;
use worker::avatars::AvatarSettings;

/// A free local port (nothing listens on it until the test starts something there).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the real avatar service on `port`; `delay` slows each answer, `calls` counts them.
async fn start_ai_service(port: u16, delay: Duration, calls: Arc<AtomicUsize>) {
    let app = ai_service::router(Backend::Procedural, Duration::from_secs(10)).layer(
        axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let calls = calls.clone();
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(delay).await;
                    next.run(request).await
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
}

/// A service that is down: it accepts each connection on `port` and closes it at once.
struct Refusing {
    count: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Refusing {
    /// Frees the port (the task and its listener are gone when this returns).
    async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

async fn refuse_requests(port: u16) -> Refusing {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    let task = tokio::spawn(async move {
        while let Ok((connection, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(connection);
        }
    });
    Refusing { count, task }
}

fn avatar_settings(port: u16, attempts: u32, backoff_ms: u64) -> AvatarSettings {
    let mut settings = AvatarSettings::new(format!("http://127.0.0.1:{port}"));
    settings.attempts = attempts;
    settings.backoff = Duration::from_millis(backoff_ms);
    settings.timeout = Duration::from_secs(5);
    settings.claim_after = Duration::from_millis(500);
    settings
}

fn owner() -> Actor {
    Actor::User {
        id: UserId::from_uuid(Uuid::now_v7()),
        role: Role::User,
    }
}

async fn register(handler: &CommandHandler, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    let command = CreatureCommand::Register {
        name: CreatureName::parse(name).unwrap(),
        species: Species::parse("dragon").unwrap(),
        description: Description::parse("").unwrap(),
        traits: Traits::parse(&json!({"wings": 2})).unwrap(),
        tags: vec![],
        avatar_request: Uuid::now_v7(),
    };
    handler
        .execute(Command::<Creature>::new(
            id,
            command,
            owner(),
            Uuid::now_v7(),
        ))
        .await
        .unwrap();
    id
}

/// Waits until the creature's avatar in the read model is in `state`.
async fn wait_for_avatar(
    pool: &sqlx::PgPool,
    id: Uuid,
    state: &str,
    within: Duration,
) -> projections::creatures::CreatureView {
    eventually(
        within,
        &format!("the avatar of {id} to be {state}"),
        || async {
            match projections::creatures::get(pool, id).await.unwrap() {
                Some(creature) if creature.avatar.state == state => Ok(creature),
                other => Err(other.map(|creature| creature.avatar.state)),
            }
        },
    )
    .await
}

async fn count(pool: &sqlx::PgPool, event_type: &str, creature: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = $1 AND stream_id = $2")
        .bind(event_type)
        .bind(creature)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn start_worker(
    db: &TestDatabase,
    redis_url: &str,
    avatars: AvatarSettings,
) -> (RunningWorker, String) {
    let mut settings = settings(redis_url);
    settings.avatars = Some(avatars);
    let prefix = settings.redis_prefix.clone();
    (RunningWorker::start(db.pool.clone(), settings), prefix)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_registered_creature_gets_the_avatar_the_service_drew_for_it() {
    let db = TestDatabase::create().await;
    let port = free_port();
    start_ai_service(port, Duration::ZERO, Arc::default()).await;
    let (worker, _) = start_worker(&db, "redis://127.0.0.1:6379", avatar_settings(port, 3, 100));
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    let id = register(&handler, "Smaug").await;
    let creature = wait_for_avatar(&db.pool, id, "ready", Duration::from_secs(20)).await;
    assert!(
        creature
            .avatar
            .url
            .unwrap()
            .starts_with(&format!("/creatures/{id}/avatar?v="))
    );
    let stored: Vec<u8> = sqlx::query_scalar(
        "SELECT i.bytes FROM avatar_images i JOIN proj_creatures.creatures c ON c.avatar_sha256 = i.sha256 WHERE c.id = $1",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let drawn = ai_service::generator::portrait(
        &id.to_string(),
        "Smaug",
        "dragon",
        json!({"wings": 2}).as_object().unwrap(),
    );
    assert_eq!(
        stored,
        drawn.into_bytes(),
        "the image stored is the one the service drew for this creature"
    );
    assert_eq!(count(&db.pool, "AvatarGenerated", id).await, 1);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_avatar_service_back_within_the_retry_budget_still_delivers() {
    let db = TestDatabase::create().await;
    let port = free_port();
    let (worker, _) = start_worker(&db, "redis://127.0.0.1:6379", avatar_settings(port, 6, 200));
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    let id = register(&handler, "Smaug").await;
    // The service is down: its port refuses every request. Once the worker has been refused
    // at least once, the service comes back on the same port.
    let refused = refuse_requests(port).await;
    eventually(
        Duration::from_secs(20),
        "the worker to call the service",
        || async {
            match refused.count.load(Ordering::SeqCst) {
                0 => Err(0),
                calls => Ok(calls),
            }
        },
    )
    .await;
    refused.stop().await;
    let calls = Arc::new(AtomicUsize::new(0));
    start_ai_service(port, Duration::ZERO, calls.clone()).await;
    wait_for_avatar(&db.pool, id, "ready", Duration::from_secs(30)).await;
    assert_eq!(count(&db.pool, "AvatarGenerationFailed", id).await, 0);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_avatar_service_down_past_the_budget_records_the_failure_and_a_new_request_succeeds() {
    let db = TestDatabase::create().await;
    let port = free_port();
    let (worker, _) = start_worker(&db, "redis://127.0.0.1:6379", avatar_settings(port, 2, 50));
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    let id = register(&handler, "Smaug").await;
    let failed = wait_for_avatar(&db.pool, id, "failed", Duration::from_secs(20)).await;
    assert!(failed.avatar.failure.unwrap().contains("failed 2 times"));
    assert_eq!(count(&db.pool, "AvatarGenerationFailed", id).await, 1);

    start_ai_service(port, Duration::ZERO, Arc::default()).await;
    let again = CreatureCommand::RequestAvatar {
        request_id: Uuid::now_v7(),
    };
    handler
        .execute(Command::<Creature>::new(
            id,
            again,
            Actor::System,
            Uuid::now_v7(),
        ))
        .await
        .unwrap();
    wait_for_avatar(&db.pool, id, "ready", Duration::from_secs(20)).await;
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_creature_archived_before_its_avatar_is_drawn_records_why_instead_of_staying_pending() {
    let db = TestDatabase::create().await;
    let port = free_port();
    let calls = Arc::new(AtomicUsize::new(0));
    start_ai_service(port, Duration::ZERO, calls.clone()).await;
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    let id = register(&handler, "Smaug").await;
    // Archived before any worker runs, so before its job does.
    handler
        .execute(Command::<Creature>::new(
            id,
            CreatureCommand::Archive,
            Actor::System,
            Uuid::now_v7(),
        ))
        .await
        .unwrap();
    let (worker, _) = start_worker(&db, "redis://127.0.0.1:6379", avatar_settings(port, 3, 100));
    let failed = wait_for_avatar(&db.pool, id, "failed", Duration::from_secs(20)).await;
    assert_eq!(
        failed.avatar.failure.as_deref(),
        Some(worker::avatars::generate::ARCHIVED)
    );
    assert!(failed.archived);
    assert_eq!(count(&db.pool, "AvatarGenerationFailed", id).await, 1);
    assert_eq!(calls.load(Ordering::SeqCst), 0, "nothing was drawn");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_job_of_a_worker_killed_mid_job_completes_elsewhere_once() {
    let db = TestDatabase::create().await;
    let port = free_port();
    let calls = Arc::new(AtomicUsize::new(0));
    start_ai_service(port, Duration::from_millis(1500), calls.clone()).await;
    let (doomed, prefix) =
        start_worker(&db, "redis://127.0.0.1:6379", avatar_settings(port, 3, 100));
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    let id = register(&handler, "Smaug").await;
    eventually(
        Duration::from_secs(20),
        "the job to reach the avatar service",
        || async {
            match calls.load(Ordering::SeqCst) {
                0 => Err(0),
                calls => Ok(calls),
            }
        },
    )
    .await;
    doomed.task.abort();
    let _ = doomed.task.await;
    assert_eq!(
        count(&db.pool, "AvatarGenerated", id).await,
        0,
        "killed before recording"
    );

    let mut rescuer = settings("redis://127.0.0.1:6379");
    rescuer.redis_prefix = prefix;
    rescuer.avatars = Some(avatar_settings(port, 3, 100));
    let rescuer = RunningWorker::start(db.pool.clone(), rescuer);
    wait_for_avatar(&db.pool, id, "ready", Duration::from_secs(30)).await;
    assert_eq!(count(&db.pool, "AvatarGenerated", id).await, 1);
    rescuer.stop().await;
}

/// How many entries were ever added to the stream (deleted ones included).
async fn entries_added(connection: &mut redis::aio::MultiplexedConnection, stream: &str) -> i64 {
    let info: std::collections::HashMap<String, redis::Value> = redis::cmd("XINFO")
        .arg("STREAM")
        .arg(stream)
        .query_async(connection)
        .await
        .unwrap();
    redis::from_redis_value::<i64>(info["entries-added"].clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_redis_that_lost_the_jobs_is_reconciled_and_replays_enqueue_nothing() {
    let redis = OwnRedis::start(None);
    let db = TestDatabase::create().await;
    let port = free_port();
    // The service is down and a retry waits a minute: no job of this worker records anything.
    let (doomed, prefix) = start_worker(&db, &redis.url(), avatar_settings(port, 2, 60_000));
    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let stream = worker::avatars::queue::stream(&prefix);
    // On a first start the stream is missing too: the dispatcher creates it, reconciling an
    // event store with nothing pending yet.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !worker::avatars::queue::exists(&mut connection, &stream)
        .await
        .unwrap()
    {
        assert!(
            Instant::now() < deadline,
            "the job stream was never created"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    let ids = [
        register(&handler, "Smaug").await,
        register(&handler, "Glaurung").await,
    ];
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let dispatched: i64 = sqlx::query_scalar(
            "SELECT position FROM reactor_checkpoints WHERE name = 'avatar_jobs'",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap();
        let head: i64 = sqlx::query_scalar("SELECT max(position) FROM events")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        if dispatched >= head {
            break;
        }
        assert!(Instant::now() < deadline, "the jobs were never dispatched");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Jobs are enqueued before the checkpoint moves past their requests.
    assert_eq!(
        entries_added(&mut connection, &stream).await,
        2,
        "both jobs were enqueued"
    );

    // The worker dies with the jobs it was running, and Redis loses everything: the jobs
    // survive only as requests without an outcome in the event store, behind the dispatch
    // checkpoint, so only the reconciliation can bring them back.
    doomed.task.abort();
    let _ = doomed.task.await;
    let _: () = redis::cmd("FLUSHALL")
        .query_async(&mut connection)
        .await
        .unwrap();
    start_ai_service(port, Duration::ZERO, Arc::default()).await;
    let mut settings = settings(&redis.url());
    settings.redis_prefix = prefix;
    settings.avatars = Some(avatar_settings(port, 2, 100));
    let worker = RunningWorker::start(db.pool.clone(), settings);
    for id in ids {
        wait_for_avatar(&db.pool, id, "ready", Duration::from_secs(30)).await;
        assert_eq!(count(&db.pool, "AvatarGenerated", id).await, 1);
    }
    let before = entries_added(&mut connection, &stream).await;
    assert_eq!(before, 2, "the reconciliation enqueued both requests again");

    // Replaying every projection from the start enqueues no job: the stream's count of
    // entries ever added does not move.
    for projection in projections::projection::ALL {
        for table in projection.tables() {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "TRUNCATE {}.{table}",
                projection.schema()
            )))
            .execute(&db.pool)
            .await
            .unwrap();
        }
    }
    sqlx::query(
        "UPDATE projection_checkpoints SET transaction_id = '0', position = 0, events_applied = 0",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    crate::helpers::wait_for_head(&db.pool, Duration::from_secs(30)).await;
    assert_eq!(
        entries_added(&mut connection, &stream).await,
        before,
        "no job enqueued by the replay"
    );
    worker.stop().await;
}
