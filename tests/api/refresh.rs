//! `refresh-avatars` over 200 creatures with real PostgreSQL, Redis, worker and ai-service.

use crate::helpers::{TestApp, spawn_app};
use bestiary::refresh::refresh;
use commands::handler::Command;
use commands::testing::eventually;
use commands::{CommandHandler, EventStore};
use domain::creature::{Creature, CreatureCommand};
use domain::values::{CreatureName, Description, Species, Traits};
use domain::{Actor, Role, UserId};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use uuid::Uuid;

/// The real avatar service, counting how many calls it serves at once.
async fn ai_service(current: Arc<AtomicUsize>, most: Arc<AtomicUsize>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = ai_service::router(ai_service::Backend::Procedural, Duration::from_secs(10)).layer(
        axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let (current, most) = (current.clone(), most.clone());
                async move {
                    let now = current.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    let response = next.run(request).await;
                    current.fetch_sub(1, Ordering::SeqCst);
                    response
                }
            },
        ),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

async fn generated(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'AvatarGenerated'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn wait_for_generated(app: &TestApp, count: i64) {
    // Generous: other tests' transactions on the same server can hold the worker back.
    eventually(
        Duration::from_secs(300),
        &format!("{count} avatars"),
        || async {
            match generated(app).await {
                done if done >= count => Ok(()),
                done => Err(done),
            }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refreshing_200_avatars_keeps_4_in_flight_and_a_second_run_skips_them_all() {
    let _heavy = crate::helpers::HEAVY.lock().await;
    let app = spawn_app().await;
    let (current, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let url = ai_service(current, most.clone()).await;
    let mut settings = crate::support::config::worker_settings(&app.redis, Some(&url));
    settings.avatars.as_mut().expect("avatar jobs").concurrency = 8;
    app.start_worker_with_settings(settings);

    let redis = Arc::new(app.redis.link().unwrap());
    let commands = CommandHandler::new(EventStore::new(app.db.pool.clone()))
        .with_commit_hook(redis_link::notify::head_publisher(redis.clone()));
    let owner = Actor::User {
        id: UserId::from_uuid(Uuid::now_v7()),
        role: Role::User,
    };
    for n in 0..200 {
        let command = CreatureCommand::Register {
            name: CreatureName::parse(&format!("Creature {n}")).unwrap(),
            species: Species::parse(["dragon", "owl", "wolf", "kraken"][n % 4]).unwrap(),
            description: Description::parse("").unwrap(),
            traits: Traits::default(),
            tags: vec![],
            avatar_request: Uuid::now_v7(),
        };
        commands
            .execute(Command::<Creature>::new(
                Uuid::now_v7(),
                command,
                owner,
                Uuid::now_v7(),
            ))
            .await
            .unwrap();
    }
    wait_for_generated(&app, 200).await;
    crate::helpers::wait_for_read_model(&app).await;
    most.store(0, Ordering::SeqCst);

    let first = refresh(&app.db.pool, &commands, &redis, 4, false)
        .await
        .unwrap();
    assert_eq!(
        (first.total, first.processed, first.skipped, first.failed),
        (200, 200, 0, 0)
    );
    assert!(
        first.max_in_flight <= 4 && first.max_in_flight >= 2,
        "in flight: {}",
        first.max_in_flight
    );
    assert!(
        most.load(Ordering::SeqCst) <= 4,
        "the avatar service saw {} at once",
        most.load(Ordering::SeqCst)
    );
    assert_eq!(generated(&app).await, 400, "every avatar regenerated once");
    let per_creature: Vec<i64> = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE event_type = 'AvatarGenerated' GROUP BY stream_id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert!(per_creature.iter().all(|count| *count == 2));

    let second = refresh(&app.db.pool, &commands, &redis, 4, false)
        .await
        .unwrap();
    assert_eq!((second.processed, second.skipped), (0, 200));
    assert_eq!(generated(&app).await, 400);
    println!(
        "refresh-avatars: at most {} in flight in the CLI, {} at the avatar service",
        first.max_in_flight,
        most.load(Ordering::SeqCst)
    );
}
