//! The projections there are, and which events each one applies.

use crate::error::ApplyError;
use crate::{creatures, tags, users};
use commands::RecordedEvent;
use domain::Aggregate;
use domain::creature::{Creature, CreatureEvent};
use domain::tag::{Tag, TagEvent};
use domain::user::{User, UserEvent};
use sqlx::PgConnection;

/// A projection: a set of read tables folded from the log, with its own checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Projection {
    /// Creatures as the gallery and creature pages show them.
    Creatures,
    /// Tags with their creature counts.
    Tags,
    /// Users, without secrets.
    Users,
}

/// An event decoded for whichever aggregate wrote it.
pub enum AnyEvent {
    /// A creature's.
    Creature(CreatureEvent),
    /// A user's.
    User(UserEvent),
    /// A tag's.
    Tag(TagEvent),
}

impl AnyEvent {
    /// Decodes a recorded event by its stream type; unknown stream types are `None`.
    pub fn decode(recorded: &RecordedEvent) -> Result<Option<Self>, ApplyError> {
        Ok(match recorded.stream_type.as_str() {
            Creature::STREAM_TYPE => Some(AnyEvent::Creature(recorded.decode()?)),
            User::STREAM_TYPE => Some(AnyEvent::User(recorded.decode()?)),
            Tag::STREAM_TYPE => Some(AnyEvent::Tag(recorded.decode()?)),
            _ => None,
        })
    }
}

impl Projection {
    /// Every projection.
    pub const ALL: [Projection; 3] = [Projection::Creatures, Projection::Tags, Projection::Users];

    /// Its name, as in `projection_checkpoints` and the admin API.
    pub const fn name(&self) -> &'static str {
        match self {
            Projection::Creatures => "creatures",
            Projection::Tags => "tags",
            Projection::Users => "users",
        }
    }

    /// The projection with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|projection| projection.name() == name)
    }

    /// A small number identifying it (its advisory lock key).
    pub const fn index(&self) -> i32 {
        match self {
            Projection::Creatures => 1,
            Projection::Tags => 2,
            Projection::Users => 3,
        }
    }

    /// The schema holding its live tables (a rebuild fills a shadow schema, then swaps).
    pub const fn schema(&self) -> &'static str {
        match self {
            Projection::Creatures => "proj_creatures",
            Projection::Tags => "proj_tags",
            Projection::Users => "proj_users",
        }
    }

    /// The read tables it owns, unqualified (its SQL runs with the schema on the search path).
    pub const fn tables(&self) -> &'static [&'static str] {
        match self {
            Projection::Creatures => &["creatures", "creature_tags", "tags", "owners"],
            Projection::Tags => &["tags", "memberships", "creatures"],
            Projection::Users => &["users"],
        }
    }

    /// Whether it reads events of this stream type at all (it never decodes the others, so a
    /// poison event stops only the projections that read its stream type).
    pub fn reads(&self, stream_type: &str) -> bool {
        match self {
            Projection::Creatures => true,
            Projection::Tags => stream_type != User::STREAM_TYPE,
            Projection::Users => stream_type == User::STREAM_TYPE,
        }
    }

    /// Applies one event to its tables in the schema on the connection's search path (see
    /// [`use_schema`]). Applying an event twice changes nothing.
    pub async fn apply(
        &self,
        conn: &mut PgConnection,
        recorded: &RecordedEvent,
    ) -> Result<(), ApplyError> {
        if !self.reads(&recorded.stream_type) {
            return Ok(());
        }
        let Some(event) = AnyEvent::decode(recorded)? else {
            return Ok(());
        };
        match self {
            Projection::Creatures => creatures::apply(conn, recorded, &event).await,
            Projection::Tags => tags::apply(conn, recorded, &event).await,
            Projection::Users => users::apply(conn, recorded, &event).await,
        }
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
