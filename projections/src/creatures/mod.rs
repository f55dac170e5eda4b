//! The creatures projection: one row per creature with its tags, owner and avatar, for the
//! gallery and the creature pages. Names of owners and tags are kept in tables of their own
//! and joined when read, so events of different streams may be applied in any order.
//!
//! [`fold`] changes rows in memory, [`store`] loads and writes them a batch at a time,
//! `query` answers the API.

mod fold;
mod query;
mod store;

pub use query::{AvatarView, CreatureFilter, CreaturePage, CreatureView, OwnerView, get, list};

use crate::projection::{BulkLoad, Projection, Reads};
use crate::reader::Decoded;
use domain::Aggregate;
use domain::creature::Creature;
use domain::tag::Tag;
use domain::user::User;
use futures::future::BoxFuture;
use sqlx::PgConnection;

/// The creatures projection.
pub struct Creatures;

impl Projection for Creatures {
    fn name(&self) -> &'static str {
        "creatures"
    }

    fn index(&self) -> i32 {
        1
    }

    fn schema(&self) -> &'static str {
        "proj_creatures"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            "creatures",
            "creature_tags",
            "tags",
            "owners",
            crate::parked::TABLE,
        ]
    }

    fn reads(&self) -> Reads {
        Reads::streams(&[Creature::STREAM_TYPE, User::STREAM_TYPE, Tag::STREAM_TYPE])
    }

    fn apply<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        events: &'a [Decoded],
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move {
            let mut fold = store::load(conn, events).await?;
            for event in events {
                fold.add(event);
            }
            store::save(conn, &fold).await
        })
    }

    fn bulk(&self) -> Box<dyn BulkLoad> {
        Box::new(Bulk(fold::Fold::default()))
    }
}

struct Bulk(fold::Fold);

impl BulkLoad for Bulk {
    fn add(&mut self, event: &Decoded) {
        self.0.add(event);
    }

    fn held(&self) -> usize {
        self.0.streams()
    }

    fn flush<'a>(
        &'a mut self,
        conn: &'a mut PgConnection,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move {
            store::copy(conn, &self.0).await?;
            self.0.clear();
            Ok(())
        })
    }
}
