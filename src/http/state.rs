//! What every handler can reach.

use crate::accounts::Accounts;
use crate::auth::KeyRing;
use commands::CommandHandler;
use sqlx::PgPool;
use std::sync::Arc;

/// The API's shared state.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Runs commands against the event store.
    pub commands: CommandHandler,
    /// Registers users and checks credentials.
    pub accounts: Accounts,
    /// Signs and verifies access tokens.
    pub keys: Arc<KeyRing>,
    /// The database, for health checks.
    pub pool: PgPool,
}
