//! What a projection is, and the list of the projections there are.
//!
//! A projection is one type in one module ([`crate::creatures`], [`crate::tags`],
//! [`crate::users`]) implementing [`Projection`]: its name, its schema and tables, the events
//! it reads, and how it folds a batch of them into its tables. [`ALL`] is the one list of them.

use crate::reader::Decoded;
use domain::creature::{Creature, CreatureEvent};
use domain::tag::{Tag, TagEvent};
use domain::user::{User, UserEvent};
use domain::{Aggregate, DecodeError, DomainEvent};
use futures::future::BoxFuture;
use sqlx::PgConnection;

/// Every projection, in the order they are listed to operators.
pub static ALL: [&'static dyn Projection; 3] = [
    &crate::creatures::Creatures,
    &crate::tags::Tags,
    &crate::users::Users,
];

/// The projection with this name.
pub fn find(name: &str) -> Option<&'static dyn Projection> {
    ALL.into_iter().find(|projection| projection.name() == name)
}

/// A set of read tables folded from the log, with its own checkpoint.
///
/// Its SQL runs with its schema first on the search path (see [`use_schema`]): the live
/// schema, or a rebuild's shadow copy of it.
pub trait Projection: Send + Sync + 'static {
    /// Its name, as in `projection_checkpoints` and the admin API.
    fn name(&self) -> &'static str;

    /// A small number of its own (its advisory lock keys are made from it).
    fn index(&self) -> i32;

    /// The schema holding its live tables.
    fn schema(&self) -> &'static str;

    /// Its tables, unqualified, including [`crate::parked::TABLE`].
    fn tables(&self) -> &'static [&'static str];

    /// The events it folds; it never decodes the others.
    fn reads(&self) -> Reads;

    /// Folds a batch of events (in commit-safe order, each stream's in version order) into
    /// its tables: a few statements per batch, not one per event. Applying a batch again
    /// changes nothing.
    fn apply<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        events: &'a [Decoded],
    ) -> BoxFuture<'a, Result<(), sqlx::Error>>;

    /// A fold for a bulk load into empty tables, fed each stream's events in one run.
    fn bulk(&self) -> Box<dyn BulkLoad>;
}

impl std::fmt::Debug for dyn Projection {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.name())
    }
}

impl PartialEq for dyn Projection {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

/// Folding the log into empty tables: events arrive ordered by stream, each stream's events
/// together and in version order, so a stream's rows are final when the next stream starts.
pub trait BulkLoad: Send {
    /// Folds one event.
    fn add(&mut self, event: &Decoded);

    /// How many streams' rows are held, waiting for [`BulkLoad::flush`].
    fn held(&self) -> usize;

    /// Writes the held rows with `COPY` into the tables on the search path and forgets them.
    fn flush<'a>(
        &'a mut self,
        conn: &'a mut PgConnection,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>>;
}

/// Which events a projection reads: those of `stream_types`, and of the streams in
/// `filtered_stream_types` only the `event_types` named.
#[derive(Clone, Copy, Debug)]
pub struct Reads {
    /// The stream types it reads.
    pub stream_types: &'static [&'static str],
    /// When some: the only event types it reads of the filtered stream types.
    pub event_types: Option<&'static [&'static str]>,
    /// The stream types `event_types` applies to.
    pub filtered_stream_types: &'static [&'static str],
}

impl Reads {
    /// Every event of these stream types.
    pub const fn streams(stream_types: &'static [&'static str]) -> Self {
        Self {
            stream_types,
            event_types: None,
            filtered_stream_types: &[],
        }
    }

    /// The SQL condition on `events e` that selects these events, its three arrays bound as
    /// `$first`, `$first + 1` and `$first + 2` (see [`Reads::bind`]).
    pub fn condition(first: usize) -> String {
        let (types, events, filtered) = (first, first + 1, first + 2);
        format!(
            "(e.stream_type = ANY(${types}) AND (${events}::text[] IS NULL \
               OR e.event_type = ANY(${events}) OR e.stream_type <> ALL(${filtered})))"
        )
    }

    /// Binds the arrays [`Reads::condition`] names, in its order.
    pub fn bind<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
        query
            .bind(self.stream_types)
            .bind(self.event_types)
            .bind(self.filtered_stream_types)
    }

    /// How many events of the log these are.
    pub async fn count(&self, pool: &sqlx::PgPool) -> Result<i64, sqlx::Error> {
        let sql = format!("SELECT count(*) FROM events e WHERE {}", Self::condition(1));
        let row = self
            .bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_one(pool)
            .await?;
        sqlx::Row::try_get(&row, 0)
    }

    /// Whether it reads this event.
    pub fn includes(&self, stream_type: &str, event_type: &str) -> bool {
        self.stream_types.contains(&stream_type)
            && match self.event_types {
                Some(types) if self.filtered_stream_types.contains(&stream_type) => {
                    types.contains(&event_type)
                }
                _ => true,
            }
    }
}

/// An event decoded for whichever aggregate wrote it.
#[derive(Clone, Debug, PartialEq)]
pub enum AnyEvent {
    /// A creature's.
    Creature(CreatureEvent),
    /// A user's.
    User(UserEvent),
    /// A tag's.
    Tag(TagEvent),
    /// Of a stream type no projection folds (the audit log's).
    Other,
}

impl AnyEvent {
    /// Its stored type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            AnyEvent::Creature(event) => event.event_type(),
            AnyEvent::User(event) => event.event_type(),
            AnyEvent::Tag(event) => event.event_type(),
            AnyEvent::Other => "other",
        }
    }

    /// Decodes a stored event by its stream type, upcasting older schema versions.
    pub fn decode(
        stream_type: &str,
        event_type: &str,
        schema_version: u16,
        payload: &str,
    ) -> Result<Self, DecodeError> {
        Ok(match stream_type {
            Creature::STREAM_TYPE => AnyEvent::Creature(CreatureEvent::from_stored_text(
                event_type,
                schema_version,
                payload,
            )?),
            User::STREAM_TYPE => AnyEvent::User(UserEvent::from_stored_text(
                event_type,
                schema_version,
                payload,
            )?),
            Tag::STREAM_TYPE => AnyEvent::Tag(TagEvent::from_stored_text(
                event_type,
                schema_version,
                payload,
            )?),
            _ => AnyEvent::Other,
        })
    }
}

/// Puts `schema` first on the search path for the rest of the transaction, so a projection's
/// SQL writes there: its live schema, or a rebuild's shadow.
pub async fn use_schema(conn: &mut PgConnection, schema: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('search_path', $1 || ', public', true)")
        .bind(schema)
        .execute(conn)
        .await?;
    Ok(())
}
