//! The peer: the same creature events through `postgres-es`, cqrs-es's PostgreSQL store. Its
//! `persist` needs an aggregate type; this one exists only to name the stream type.

use cqrs_es::persist::{PersistedEventRepository, SerializedEvent};
use postgres_es::PostgresEventRepository;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// postgres-es's tables (its `db/init.sql`), renamed so they sit beside ours.
const TABLES: &str = "
CREATE TABLE peer_events (
    aggregate_type text NOT NULL, aggregate_id text NOT NULL,
    sequence bigint CHECK (sequence >= 0) NOT NULL,
    event_type text NOT NULL, event_version text NOT NULL,
    payload json NOT NULL, metadata json NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, sequence));
CREATE TABLE peer_snapshots (
    aggregate_type text NOT NULL, aggregate_id text NOT NULL,
    last_sequence bigint CHECK (last_sequence >= 0) NOT NULL,
    current_snapshot bigint CHECK (current_snapshot >= 0) NOT NULL,
    payload json NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, last_sequence));";

/// The peer's event store on one database.
pub struct Peer {
    repository: PostgresEventRepository,
}

impl Peer {
    /// Creates its tables and a pool of `connections`.
    pub async fn connect(url: &str, connections: u32) -> anyhow::Result<Peer> {
        let pool = sqlx08::postgres::PgPoolOptions::new()
            .max_connections(connections)
            .connect(url)
            .await?;
        sqlx08::raw_sql(TABLES).execute(&pool).await?;
        let repository =
            PostgresEventRepository::new(pool).with_tables("peer_events", "peer_snapshots");
        Ok(Peer { repository })
    }

    /// Appends one event to a new stream.
    pub async fn append(&self, stream: &str, payload: &Value) -> anyhow::Result<()> {
        let event = SerializedEvent::new(
            stream.to_owned(),
            1,
            PeerCreature::TYPE.to_owned(),
            "CreatureRegistered".to_owned(),
            "2".to_owned(),
            payload.clone(),
            json!({}),
        );
        self.repository
            .persist::<PeerCreature>(&[event], None)
            .await
            .map_err(|error| anyhow::anyhow!("postgres-es: {error}"))
    }
}

use cqrs_es::Aggregate;

#[derive(Default, Serialize, Deserialize)]
struct PeerCreature;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct PeerEvent;

impl cqrs_es::DomainEvent for PeerEvent {
    fn event_type(&self) -> String {
        "CreatureRegistered".into()
    }

    fn event_version(&self) -> String {
        "2".into()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the benchmark's aggregate handles no command")]
struct NoCommand;

impl Aggregate for PeerCreature {
    const TYPE: &'static str = "creature";
    type Command = ();
    type Event = PeerEvent;
    type Error = NoCommand;
    type Services = ();

    async fn handle(
        &mut self,
        (): (),
        (): &(),
        _: &cqrs_es::event_sink::EventSink<Self>,
    ) -> Result<(), NoCommand> {
        Err(NoCommand)
    }

    fn apply(&mut self, _: PeerEvent) {}
}
