//! What tests of this crate and its dependants share: a fresh PostgreSQL database per test,
//! migrated, and dropped when the test ends; and [`eventually`], a wait for a condition with a
//! deadline.
//!
//! The server is `BESTIARY_TEST_DATABASE_URL` (default: the local server's `postgres`
//! database, as the `postgres` role). Databases left behind by a killed test run are swept after an hour.

mod eventually;

pub use eventually::eventually;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

const PREFIX: &str = "bestiary_test_";

/// The server's maintenance database, where test databases are created and dropped.
fn server_url() -> String {
    std::env::var("BESTIARY_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A migrated database of its own for one test.
pub struct TestDatabase {
    /// A pool on it.
    pub pool: PgPool,
    /// Options to open more connections or pools on it.
    pub options: PgConnectOptions,
    name: String,
    server: PgConnectOptions,
    server_url: String,
}

impl TestDatabase {
    /// Creates and migrates a new database.
    pub async fn create() -> Self {
        Self::create_on(&server_url()).await
    }

    /// Creates and migrates a new database on the server of `url` (its maintenance
    /// database), such as a primary a test started itself.
    pub async fn create_on(url: &str) -> Self {
        let server = PgConnectOptions::from_str(url).expect("the test server's URL is a URL");
        let mut admin = server.connect().await.expect("the test PostgreSQL answers");
        sweep_stale(&mut admin).await;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let name = format!(
            "{PREFIX}{}_{}",
            now.as_secs(),
            uuid::Uuid::new_v4().simple()
        );
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("the test database is created");
        // Durability is not what tests test: commits need not wait for the disk.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE {name} SET synchronous_commit = off"
        )))
        .execute(&mut admin)
        .await
        .expect("the test database is configured");
        admin.close().await.ok();
        let options = server.clone().database(&name);
        let pool = PgPoolOptions::new()
            .max_connections(40)
            .connect_with(options.clone())
            .await
            .expect("the test database accepts connections");
        crate::MIGRATOR.run(&pool).await.expect("migrations apply");
        Self {
            pool,
            options,
            name,
            server,
            server_url: url.to_owned(),
        }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A URL of the database, for code that is configured by URL.
    pub fn url(&self) -> String {
        match self.server_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{}", self.name),
            None => self.server_url.clone(),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        let server = self.server.clone();
        // The test's runtime may be shutting down: drop the database from a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async move {
                let mut admin = server.connect().await.ok()?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
                .ok()
            })
        });
        let _ = dropped.join();
    }
}

/// Drops test databases older than an hour (left by runs that were killed).
async fn sweep_stale(admin: &mut PgConnection) {
    let cutoff = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        .saturating_sub(3600);
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE $1")
            .bind(format!("{PREFIX}%"))
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let created = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|secs| secs < cutoff) {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut *admin)
            .await;
        }
    }
}
