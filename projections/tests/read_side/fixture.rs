//! Writes through the real command handler, reads through the real projections.

use commands::handler::Command;
use commands::testing::TestDatabase;
use commands::testing::eventually;
use commands::{CommandHandler, EventStore};
use domain::creature::{Creature, CreatureCommand, TagRef};
use domain::tag::{Tag, TagCommand};
use domain::user::{User, UserCommand};
use domain::values::{CreatureName, Description, DisplayName, Email, Species, TagName, Traits};
use domain::{Actor, Aggregate, Role, TagId, UserId};
use serde_json::{Value, json};
use uuid::Uuid;

/// A fresh database with a command handler on it.
pub struct Fixture {
    pub db: TestDatabase,
    pub handler: CommandHandler,
}

impl Fixture {
    pub async fn new() -> Self {
        let db = TestDatabase::create().await;
        let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
        Self { db, handler }
    }

    async fn run<A: Aggregate>(&self, id: Uuid, command: A::Command, actor: Actor) -> i64
    where
        A::Command: Clone,
        A::Error: std::fmt::Debug,
    {
        self.handler
            .execute(Command::<A>::new(id, command, actor, Uuid::now_v7()))
            .await
            .expect("the command succeeds")
            .outcome()
            .expect("it ran now")
            .position
    }

    pub async fn user(&self, name: &str) -> Actor {
        let id = Uuid::now_v7();
        let command = UserCommand::Register {
            email: Email::parse(&format!("{name}@example.org")).unwrap(),
            display_name: DisplayName::parse(name).unwrap(),
            role: Role::User,
        };
        self.run::<User>(id, command, Actor::Anonymous).await;
        Actor::User {
            id: UserId::from_uuid(id),
            role: Role::User,
        }
    }

    pub async fn tag(&self, by: Actor, name: &str) -> TagRef {
        let id = Uuid::now_v7();
        let name = TagName::parse(name).unwrap();
        self.run::<Tag>(id, TagCommand::Create(name.clone()), by)
            .await;
        TagRef {
            id: TagId::from_uuid(id),
            name,
        }
    }

    pub async fn creature(
        &self,
        owner: Actor,
        name: &str,
        species: &str,
        description: &str,
        tags: Vec<TagRef>,
    ) -> Uuid {
        let id = Uuid::now_v7();
        let command = CreatureCommand::Register {
            name: CreatureName::parse(name).unwrap(),
            species: Species::parse(species).unwrap(),
            description: Description::parse(description).unwrap(),
            traits: Traits::parse(&json!({"legs": 4})).unwrap(),
            tags,
            avatar_request: Uuid::now_v7(),
        };
        self.run::<Creature>(id, command, owner).await;
        id
    }

    /// Runs a creature command the domain may refuse; whether it ran.
    pub async fn try_command(&self, id: Uuid, command: CreatureCommand, actor: Actor) -> bool {
        self.handler
            .execute(Command::<Creature>::new(id, command, actor, Uuid::now_v7()))
            .await
            .is_ok()
    }

    pub async fn command(&self, id: Uuid, command: CreatureCommand, actor: Actor) -> i64 {
        self.run::<Creature>(id, command, actor).await
    }

    /// Runs the projection over everything readable now. Write transactions still open
    /// anywhere on the server (other tests' too) can hold events back, see `reader`.
    pub async fn run_once(&self, projection: &'static dyn projections::Projection) {
        projections::runner::catch_up(&self.db.pool, projection, 100, &|_| true)
            .await
            .unwrap();
    }

    /// Runs the projection until it has applied every committed event.
    pub async fn catch_up(&self, projection: &'static dyn projections::Projection) {
        let what = format!("{} to catch up", projection.name());
        eventually(std::time::Duration::from_secs(30), &what, || async {
            self.run_once(projection).await;
            let head: i64 = sqlx::query_scalar("SELECT COALESCE(max(position), 0) FROM events")
                .fetch_one(&self.db.pool)
                .await
                .unwrap();
            match projections::status::has_passed(&self.db.pool, projection, head).await {
                Ok(true) => Ok(()),
                other => Err((head, other)),
            }
        })
        .await;
    }

    pub async fn catch_up_all(&self) {
        for projection in projections::projection::ALL {
            self.catch_up(projection).await;
        }
    }
}

/// Every row of a projection's tables, in a stable order.
pub async fn dump(pool: &sqlx::PgPool, projection: &dyn projections::Projection) -> Vec<Value> {
    projections::testing::dump(pool, projection).await.unwrap()
}
