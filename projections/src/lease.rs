//! Leases: each projection is run by one worker at a time (and rebuilt by one rebuild). The lease is a PostgreSQL
//! session-level advisory lock on a connection of its own, so it ends when that connection
//! does, whether the worker stopped, crashed or lost the network.

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};
use std::time::{Duration, Instant};

/// The advisory lock class of leases (`"best"`); the object is a projection's index, or
/// [`AVATAR_DISPATCH`].
pub const LEASE_CLASS: i32 = 0x6265_7374;
/// The lease object of the avatar job dispatcher.
pub const AVATAR_DISPATCH: i32 = 100;
/// Lease objects of rebuilds start here (plus the projection's index).
pub const REBUILD_BASE: i32 = 200;
/// The advisory lock class of checkpoint locks (`"chkp"`), the object a projection's index:
/// a transaction that writes a projection's checkpoint holds it until it ends
/// (`crate::runner`). Not a lease: a lease is a session's lock, this a transaction's.
pub const CHECKPOINT_LOCK_CLASS: i32 = 0x6368_6b70;

/// A held lease.
pub struct Lease {
    connection: PgConnection,
    /// When the connection was last found alive.
    checked: Instant,
}

impl Lease {
    /// Takes the lease on `object` if no one holds it.
    pub async fn try_acquire(
        options: &PgConnectOptions,
        object: i32,
    ) -> Result<Option<Lease>, sqlx::Error> {
        let mut connection = options.connect().await?;
        let acquired: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
            .bind(LEASE_CLASS)
            .bind(object)
            .fetch_one(&mut connection)
            .await?;
        if acquired {
            Ok(Some(Lease {
                connection,
                checked: Instant::now(),
            }))
        } else {
            connection.close().await.ok();
            Ok(None)
        }
    }

    /// Gives the lease up now (dropping it also does, once PostgreSQL notices the connection
    /// is gone).
    pub async fn release(self) {
        self.connection.close().await.ok();
    }

    /// Whether the lease is still held, asking its connection only once `every` has passed
    /// since it was last found alive (a loop that calls this before each step pays one round
    /// trip per `every`, not per step).
    pub async fn is_held(&mut self, every: Duration) -> bool {
        if self.checked.elapsed() < every {
            return true;
        }
        let alive = self.connection.ping().await.is_ok();
        if alive {
            self.checked = Instant::now();
        }
        alive
    }
}
