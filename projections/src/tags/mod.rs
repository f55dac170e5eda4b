//! The tags projection: every live tag with the number of unarchived creatures carrying it.
//!
//! [`fold`] changes rows in memory, [`store`] loads and writes them a batch at a time,
//! `query` answers the API.

mod fold;
mod query;
mod store;

pub use query::{TagView, list};

use crate::projection::{BulkLoad, Projection, Reads};
use crate::reader::Decoded;
use domain::Aggregate;
use domain::creature::Creature;
use domain::tag::Tag;
use futures::future::BoxFuture;
use sqlx::PgConnection;

/// The tags projection.
pub struct Tags;

impl Projection for Tags {
    fn name(&self) -> &'static str {
        "tags"
    }

    fn index(&self) -> i32 {
        2
    }

    fn schema(&self) -> &'static str {
        "proj_tags"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["tags", "memberships", "creatures", crate::parked::TABLE]
    }

    fn reads(&self) -> Reads {
        Reads {
            stream_types: &[Creature::STREAM_TYPE, Tag::STREAM_TYPE],
            event_types: Some(&[
                "CreatureTagged",
                "CreatureUntagged",
                "CreatureArchived",
                "CreatureRestored",
            ]),
            filtered_stream_types: &[Creature::STREAM_TYPE],
        }
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
