//! A workload written through the real command handler, a worker to run, and the replay that
//! every projection's state is compared with.

use commands::CommandHandler;
use commands::handler::Command;
use commands::testing::eventually;
use domain::creature::{Creature, CreatureChanges, CreatureCommand, TagRef};
use domain::tag::{Tag, TagCommand};
use domain::user::{User, UserCommand};
use domain::values::{CreatureName, Description, DisplayName, Email, Species, TagName, Traits};
use domain::{Actor, Aggregate, Role, TagId, UserId};
use serde_json::json;
use sqlx::PgPool;
use std::time::{Duration, Instant};
use uuid::Uuid;
use worker::{Worker, WorkerSettings};

/// Settings for a test worker: its own Redis prefix, quick polling.
pub fn settings(redis_url: &str) -> WorkerSettings {
    let mut settings = WorkerSettings::new(redis_url, format!("test-{}", Uuid::new_v4().simple()));
    settings.batch_size = 100;
    settings.poll_interval = Duration::from_millis(100);
    settings
}

/// A worker running in a task; dropping the handle's task (abort) is a crash.
pub struct RunningWorker {
    pub task: tokio::task::JoinHandle<()>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl RunningWorker {
    pub fn start(pool: PgPool, settings: WorkerSettings) -> Self {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            Worker::new(pool, settings)
                .run(async move {
                    let _ = stopped.await;
                })
                .await
                .expect("the worker starts");
        });
        Self {
            task,
            stop: Some(stop),
        }
    }

    /// A graceful stop: finishes the current batches.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Publishes the head position as the API does after each commit.
pub async fn publish_head(redis_url: &str, prefix: &str, position: i64) {
    if let Ok(client) = redis::Client::open(redis_url)
        && let Ok(Ok(mut connection)) = tokio::time::timeout(
            Duration::from_millis(300),
            client.get_multiplexed_async_connection(),
        )
        .await
    {
        let _: Result<i64, _> = redis::cmd("PUBLISH")
            .arg(redis_link::wake::channel(prefix))
            .arg(position)
            .query_async(&mut connection)
            .await;
    }
}

async fn run<A: Aggregate>(
    handler: &CommandHandler,
    id: Uuid,
    command: A::Command,
    actor: Actor,
) -> i64
where
    A::Command: Clone,
    A::Error: std::fmt::Debug,
{
    handler
        .execute(Command::<A>::new(id, command, actor, Uuid::now_v7()))
        .await
        .expect("the command succeeds")
        .outcome()
        .expect("it ran now")
        .position
}

/// One writer's share of a realistic workload: a user, two tags, then creatures that are
/// created, renamed, tagged, untagged, changed and sometimes archived, until `events` events
/// were appended. Calls `after_commit` with each command's position.
pub async fn write_workload<F, Fut>(
    handler: CommandHandler,
    writer: usize,
    events: usize,
    after_commit: F,
) where
    F: Fn(i64) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let user = Uuid::now_v7();
    let register = UserCommand::Register {
        email: Email::parse(&format!(
            "writer{writer}-{}@example.org",
            Uuid::new_v4().simple()
        ))
        .unwrap(),
        display_name: DisplayName::parse(&format!("Writer {writer}")).unwrap(),
        role: Role::User,
    };
    after_commit(run::<User>(&handler, user, register, Actor::Anonymous).await).await;
    let actor = Actor::User {
        id: UserId::from_uuid(user),
        role: Role::User,
    };
    let mut tags = Vec::new();
    for n in 0..2 {
        let id = Uuid::now_v7();
        let name = TagName::parse(&format!(
            "w{writer}t{n}-{}",
            &Uuid::new_v4().simple().to_string()[..6]
        ))
        .unwrap();
        after_commit(run::<Tag>(&handler, id, TagCommand::Create(name.clone()), actor).await).await;
        tags.push(TagRef {
            id: TagId::from_uuid(id),
            name,
        });
    }
    let mut written = 3;
    let mut n = 0;
    while written < events {
        n += 1;
        let creature = Uuid::now_v7();
        let register = CreatureCommand::Register {
            name: CreatureName::parse(&format!("Creature {writer}-{n}")).unwrap(),
            species: Species::parse(["dragon", "griffin", "kraken"][n % 3]).unwrap(),
            description: Description::parse("A test creature").unwrap(),
            traits: Traits::parse(&json!({"n": n})).unwrap(),
            tags: vec![tags[0].clone()],
            avatar_request: Uuid::now_v7(),
        };
        let commands = vec![
            CreatureCommand::Update(CreatureChanges {
                name: Some(CreatureName::parse(&format!("Renamed {writer}-{n}")).unwrap()),
                traits: Some(Traits::parse(&json!({"n": n, "renamed": true})).unwrap()),
                ..CreatureChanges::default()
            }),
            CreatureCommand::Tag(tags[1].clone()),
            CreatureCommand::Untag(tags[0].id),
        ];
        after_commit(run::<Creature>(&handler, creature, register, actor).await).await;
        written += 3;
        for command in commands {
            after_commit(run::<Creature>(&handler, creature, command, actor).await).await;
            written += 1;
        }
        if n % 4 == 0 {
            after_commit(
                run::<Creature>(&handler, creature, CreatureCommand::Archive, actor).await,
            )
            .await;
            written += 1;
        }
    }
}

/// Waits until every projection has applied every committed event.
pub async fn wait_for_head(pool: &PgPool, within: Duration) {
    let deadline = Instant::now() + within;
    let head: i64 = sqlx::query_scalar("SELECT COALESCE(max(position), 0) FROM events")
        .fetch_one(pool)
        .await
        .unwrap();
    for projection in projections::projection::ALL {
        let left = deadline.saturating_duration_since(Instant::now());
        eventually(
            left,
            &format!("{} to reach {head}", projection.name()),
            || async {
                match projections::status::has_passed(pool, projection, head).await {
                    Ok(true) => Ok(()),
                    other => Err(other),
                }
            },
        )
        .await;
    }
}

/// Asserts that each projection's tables equal a single-threaded replay of the log.
pub async fn assert_equals_replay(pool: &PgPool) {
    projections::testing::assert_equals_replay(pool).await;
}

/// Asserts every projection applied each event it reads exactly once.
pub async fn assert_applied_once(pool: &PgPool) {
    for projection in projections::projection::ALL {
        let total = projections::testing::events_read_by(pool, projection)
            .await
            .unwrap();
        let applied: i64 =
            sqlx::query_scalar("SELECT events_applied FROM projection_checkpoints WHERE name = $1")
                .bind(projection.name())
                .fetch_one(pool)
                .await
                .unwrap();
        assert_eq!(
            applied,
            total,
            "{} applied {applied} events of {total}",
            projection.name()
        );
    }
}
