//! The users projection: users with their roles, never their secrets; a forgotten user's row
//! stays, with no e-mail or display name. Rows carry their stream
//! version; an event at or below it was applied already and changes nothing.

mod query;

pub use query::{UserView, list};

use crate::copy::CopyRows;
use crate::projection::{AnyEvent, BulkLoad, Projection, Reads};
use crate::reader::Decoded;
use chrono::{DateTime, Utc};
use domain::Aggregate;
use domain::user::{User, UserEvent};
use futures::future::BoxFuture;
use sqlx::PgConnection;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use uuid::Uuid;

/// The users projection.
pub struct Users;

/// A row of `users`.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    email: Option<String>,
    display_name: Option<String>,
    role: String,
    forgotten: bool,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Rows as a batch leaves them.
#[derive(Default)]
struct Fold {
    users: BTreeMap<Uuid, UserRow>,
    changed: BTreeSet<Uuid>,
}

impl Fold {
    fn add(&mut self, event: &Decoded) {
        let AnyEvent::User(change) = &event.event else {
            return;
        };
        let id = event.stream_id;
        if let UserEvent::UserRegistered {
            email,
            display_name,
            role,
        } = change
        {
            if let std::collections::btree_map::Entry::Vacant(entry) = self.users.entry(id) {
                entry.insert(UserRow {
                    id,
                    email: email.known().map(|email| email.as_str().to_owned()),
                    display_name: display_name.known().map(|name| name.as_str().to_owned()),
                    role: role.as_str().to_owned(),
                    forgotten: false,
                    version: event.version,
                    created_at: event.recorded_at,
                    updated_at: event.recorded_at,
                });
                self.changed.insert(id);
            }
            return;
        }
        let Some(row) = self.users.get_mut(&id) else {
            return;
        };
        if event.version <= row.version {
            return;
        }
        row.version = event.version;
        row.updated_at = event.recorded_at;
        match change {
            UserEvent::UserRoleChanged { role } => row.role = role.as_str().to_owned(),
            UserEvent::UserForgotten {} => {
                row.email = None;
                row.display_name = None;
                row.forgotten = true;
            }
            _ => {}
        }
        self.changed.insert(id);
    }

    async fn load(conn: &mut PgConnection, events: &[Decoded]) -> Result<Self, sqlx::Error> {
        let mut seen = HashSet::new();
        let known: Vec<Uuid> = events
            .iter()
            .filter(|event| seen.insert(event.stream_id) && event.version > 1)
            .map(|event| event.stream_id)
            .collect();
        let mut fold = Fold::default();
        if !known.is_empty() {
            let rows: Vec<UserRow> = sqlx::query_as(
                "SELECT id, email, display_name, role, forgotten, version, created_at, updated_at \
                 FROM users WHERE id = ANY($1)",
            )
            .bind(&known)
            .fetch_all(&mut *conn)
            .await?;
            fold.users = rows.into_iter().map(|row| (row.id, row)).collect();
        }
        Ok(fold)
    }

    fn changed_rows(&self) -> impl Iterator<Item = &UserRow> {
        self.changed.iter().filter_map(|id| self.users.get(id))
    }

    async fn save(&self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        let rows: Vec<&UserRow> = self.changed_rows().collect();
        if rows.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO users (id, email, display_name, role, forgotten, version, created_at, \
                 updated_at) \
             SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bool[], \
                 $6::int4[], $7::timestamptz[], $8::timestamptz[]) \
             ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, \
                 display_name = EXCLUDED.display_name, role = EXCLUDED.role, \
                 forgotten = EXCLUDED.forgotten, version = EXCLUDED.version, \
                 updated_at = EXCLUDED.updated_at WHERE users.version < EXCLUDED.version",
        )
        .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.email.as_deref()).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| r.display_name.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(rows.iter().map(|r| r.role.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.forgotten).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.version).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.created_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.updated_at).collect::<Vec<_>>())
        .execute(conn)
        .await?;
        Ok(())
    }

    async fn copy(&self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        let mut users = CopyRows::default();
        for row in self.changed_rows() {
            users
                .plain(row.id)
                .text_or_null(row.email.as_deref())
                .text_or_null(row.display_name.as_deref())
                .text(&row.role)
                .plain(row.forgotten)
                .plain(row.version)
                .time(&row.created_at)
                .time(&row.updated_at)
                .end_row();
        }
        users
            .copy_into(
                conn,
                "users (id, email, display_name, role, forgotten, version, created_at, updated_at)",
            )
            .await
    }
}

impl Projection for Users {
    fn name(&self) -> &'static str {
        "users"
    }

    fn index(&self) -> i32 {
        3
    }

    fn schema(&self) -> &'static str {
        "proj_users"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["users", crate::parked::TABLE]
    }

    fn reads(&self) -> Reads {
        Reads::streams(&[User::STREAM_TYPE])
    }

    fn apply<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        events: &'a [Decoded],
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move {
            let mut fold = Fold::load(conn, events).await?;
            for event in events {
                fold.add(event);
            }
            fold.save(conn).await
        })
    }

    fn bulk(&self) -> Box<dyn BulkLoad> {
        Box::new(Bulk(Fold::default()))
    }
}

struct Bulk(Fold);

impl BulkLoad for Bulk {
    fn add(&mut self, event: &Decoded) {
        self.0.add(event);
    }

    fn held(&self) -> usize {
        self.0.changed.len()
    }

    fn flush<'a>(
        &'a mut self,
        conn: &'a mut PgConnection,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move {
            self.0.copy(conn).await?;
            self.0 = Fold::default();
            Ok(())
        })
    }
}
