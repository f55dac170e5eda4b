//! Connecting to PostgreSQL: create the database if it is missing, apply migrations, and say
//! clearly what is wrong when the server cannot be reached or cannot order the log, or when
//! the key-encryption key does not fit its data keys.

use crate::config::DatabaseConfig;
use commands::vault::{Kek, install_kek};
use commands::{EventStore, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use std::str::FromStr;
use std::time::Duration;

/// Why the database could not be made ready: one line for the operator, no backtrace.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The URL does not parse.
    #[error("DATABASE_URL is not a valid PostgreSQL URL ({0})")]
    InvalidUrl(String),
    /// The server does not answer or refuses us.
    #[error(
        "cannot reach PostgreSQL at {url}: {reason}. Start it (for example \
         `pg_ctlcluster 15 main start`) or set DATABASE_URL"
    )]
    Unreachable {
        /// The URL, without its password.
        url: String,
        /// What the driver said.
        reason: String,
    },
    /// The server's transaction counter is behind the ids in the log: a dump restored into a
    /// new server. Readers would neither see the restored events nor order new ones after them.
    #[error(
        "the event log holds transaction ids up to {highest}, but this PostgreSQL server is only \
         at {next}: it was restored from a dump into a new server. Move the server's transaction \
         counter past the log first (docs/operations.md, \"Restoring into a new PostgreSQL server\")"
    )]
    CounterBehindLog {
        /// The highest transaction id in `events`.
        highest: String,
        /// The server's next transaction id.
        next: String,
    },
    /// The key-encryption key is missing, malformed or not this database's.
    #[error("{0}")]
    Vault(String),
    /// Migrations failed.
    #[error("migrations failed on {url}: {reason}")]
    Migration {
        /// The URL, without its password.
        url: String,
        /// What failed.
        reason: String,
    },
}

/// A URL safe to print: the password replaced.
pub fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((credentials, host)) => {
                let user = credentials.split(':').next().unwrap_or_default();
                let hidden = if credentials.contains(':') {
                    ":***"
                } else {
                    ""
                };
                format!("{scheme}://{user}{hidden}@{host}")
            }
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// A pooled connection idle at least this long is pinged before it is handed out; one used
/// more recently is handed out at once (HikariCP's alive-bypass window does the same). A
/// connection that broke in between fails its query, and the pool drops it.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// A pool of at most `max_connections` that pings a connection before handing it out only
/// when it has been idle a while.
pub fn pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        // sqlx's default pings every connection it hands out: a round trip per query.
        .test_before_acquire(false)
        .before_acquire(|connection, held| {
            Box::pin(async move {
                if held.idle_for >= PING_IF_IDLE_FOR {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
}

/// Connects a pool to `url`, creating the database first if it does not exist.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, DatabaseError> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|error| DatabaseError::InvalidUrl(error.to_string()))?;
    let unreachable = |error: sqlx::Error| DatabaseError::Unreachable {
        url: redact(url),
        reason: one_line(&error),
    };
    match options.connect().await {
        Ok(connection) => drop(connection),
        Err(error) if is_missing_database(&error) => {
            create_database(&options).await.map_err(unreachable)?;
        }
        Err(error) => return Err(unreachable(error)),
    }
    pool_options(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(unreachable)
}

/// Connects, applies the migrations, and opens the vault of personal data keys with
/// `KEY_ENCRYPTION_KEY` (installed for the whole process).
pub async fn connect_and_migrate(
    database: &DatabaseConfig,
    max_connections: u32,
) -> Result<PgPool, DatabaseError> {
    let url = &database.url();
    let pool = connect(url, max_connections).await?;
    commands::MIGRATOR
        .run(&pool)
        .await
        .map_err(|error| DatabaseError::Migration {
            url: redact(url),
            reason: error.to_string(),
        })?;
    check_counter(&pool, url).await?;
    open_vault(database, &pool).await?;
    Ok(pool)
}

/// Installs the key-encryption key and proves it fits this database's data keys (and turns
/// e-mail claims from before encryption into keyed hashes).
async fn open_vault(database: &DatabaseConfig, pool: &PgPool) -> Result<(), DatabaseError> {
    let kek = database
        .key_encryption_key
        .as_ref()
        .filter(|kek| !kek.expose().trim().is_empty())
        .map(|kek| Kek::parse(kek.expose()))
        .transpose()
        .map_err(|error| DatabaseError::Vault(error.to_string()))?;
    if !install_kek(kek) {
        return Err(DatabaseError::Vault(
            "this process already runs with another KEY_ENCRYPTION_KEY".into(),
        ));
    }
    EventStore::new(pool.clone())
        .open_vault()
        .await
        .map_err(|error| match error {
            StoreError::Vault(error) => DatabaseError::Vault(error.to_string()),
            other => DatabaseError::Unreachable {
                url: redact(&database.url()),
                reason: other.to_string(),
            },
        })
}

/// Refuses a server whose transaction counter is behind the event log. Every id a server has
/// handed out, running transactions' included, is below its snapshot's `xmax`, so an event at
/// or above it was written on another server.
async fn check_counter(pool: &PgPool, url: &str) -> Result<(), DatabaseError> {
    let (highest, next, behind): (Option<String>, String, Option<bool>) = sqlx::query_as(
        "SELECT highest::text, next::text, highest >= next \
         FROM (SELECT (SELECT max(transaction_id) FROM events) AS highest, \
                      pg_snapshot_xmax(pg_current_snapshot()) AS next) AS ids",
    )
    .fetch_one(pool)
    .await
    .map_err(|error| DatabaseError::Unreachable {
        url: redact(url),
        reason: one_line(&error),
    })?;
    match highest {
        Some(highest) if behind == Some(true) => {
            Err(DatabaseError::CounterBehindLog { highest, next })
        }
        _ => Ok(()),
    }
}

fn is_missing_database(error: &sqlx::Error) -> bool {
    // 3D000: invalid_catalog_name, "database … does not exist".
    error
        .as_database_error()
        .and_then(sqlx::error::DatabaseError::code)
        .is_some_and(|code| code == "3D000")
}

async fn create_database(options: &PgConnectOptions) -> Result<(), sqlx::Error> {
    let name = options.get_database().unwrap_or("bestiary").to_owned();
    let mut server = options.clone().database("postgres").connect().await?;
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    let created = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {quoted}")))
        .execute(&mut server)
        .await;
    match created {
        Ok(_) => {
            tracing::info!(database = %name, "created the database");
            Ok(())
        }
        // 42P04: duplicate_database — someone else created it meanwhile.
        Err(error)
            if error
                .as_database_error()
                .and_then(sqlx::error::DatabaseError::code)
                .is_some_and(|c| c == "42P04") =>
        {
            Ok(())
        }
        Err(error) => Err(error),
    }
}

/// The driver's message on one line.
fn one_line(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::PoolTimedOut => "timed out".into(),
        other => other
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_never_printed() {
        assert_eq!(
            redact("postgres://bob:hunter2@db:5432/x"),
            "postgres://bob:***@db:5432/x"
        );
        assert_eq!(redact("postgres://bob@db/x"), "postgres://bob@db/x");
        assert_eq!(redact("postgres://db/x"), "postgres://db/x");
    }
}
