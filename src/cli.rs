//! The `bestiary` command line: one binary, one subcommand per service or task.

use crate::config::{
    ApiConfig, DatabaseConfig, HttpTimeoutsConfig, RedisConfig, Secret, WorkerConfig,
};
use crate::web::WebConfig;
use clap::{Args, Parser, Subcommand};

/// Bestiary: an event-sourced registry of creatures.
#[derive(Parser, Debug)]
#[command(name = "bestiary", version, about)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Migrations, then every service in one process (development).
    All(Box<AllArgs>),
    /// The main backend (HTTP API).
    Api(Box<ApiArgs>),
    /// The worker: keeps the projections up to date.
    Worker(WorkerArgs),
    /// The web server: the built single-page app and its runtime configuration.
    Web(WebArgs),
    /// Apply the migrations and exit.
    Migrate(DatabaseConfig),
    /// Create an admin, or promote an existing user to admin.
    CreateAdmin(CreateAdminArgs),
    /// Make a new JWT signing key active (as `POST /admin/rotate-keys`).
    RotateKeys(RotateKeysArgs),
    /// Rebuild one or all projections from the event store while they keep serving.
    Replay(ReplayArgs),
    /// Ask for new avatars (all, or only missing or failed ones) and wait for them; a running
    /// worker generates them.
    RefreshAvatars(RefreshArgs),
}

/// How to rotate.
#[derive(Args, Debug)]
pub struct RotateKeysArgs {
    /// Where PostgreSQL is.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Where Redis is (to tell running API instances).
    #[command(flatten)]
    pub redis: RedisConfig,
    /// End tokens signed with earlier keys at once (everyone logs in again).
    #[arg(long)]
    pub revoke_previous: bool,
    /// How long earlier keys keep verifying otherwise, in seconds (the token lifetime).
    #[arg(long, env = "ACCESS_TOKEN_TTL_SECONDS", default_value_t = 3600)]
    pub access_token_ttl_seconds: u64,
}

/// What to rebuild.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// Where PostgreSQL is.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Only this projection (`creatures`, `tags`, `users`); all without it.
    #[arg(long)]
    pub projection: Option<String>,
}

/// What to refresh.
#[derive(Args, Debug)]
pub struct RefreshArgs {
    /// Where PostgreSQL is.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Where Redis is.
    #[command(flatten)]
    pub redis: RedisConfig,
    /// Avatars in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Only creatures whose avatar is missing or failed.
    #[arg(long)]
    pub missing: bool,
}

/// Settings of the API.
#[derive(Args, Debug)]
pub struct ApiArgs {
    /// Where PostgreSQL is.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Where Redis is.
    #[command(flatten)]
    pub redis: RedisConfig,
    /// The API's own settings.
    #[command(flatten)]
    pub api: ApiConfig,
}

/// Settings of the worker.
#[derive(Args, Debug)]
pub struct WorkerArgs {
    /// Where PostgreSQL is.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Where Redis is.
    #[command(flatten)]
    pub redis: RedisConfig,
    /// The worker's own settings.
    #[command(flatten)]
    pub worker: WorkerConfig,
}

/// Settings of every service in one process.
#[derive(Args, Debug)]
pub struct AllArgs {
    /// The API's (and the shared) settings.
    #[command(flatten)]
    pub api: ApiArgs,
    /// The worker's settings.
    #[command(flatten)]
    pub worker: WorkerConfig,
    /// The avatar service's settings.
    #[command(flatten)]
    pub ai: ai_service::AiServiceConfig,
    /// The web server's settings (its address is the API's `WEB_ADDR`).
    #[command(flatten)]
    pub web: WebConfig,
}

/// Settings of the web server.
#[derive(Args, Debug)]
pub struct WebArgs {
    /// Address the web server listens on.
    #[arg(long, env = "WEB_ADDR", default_value = "0.0.0.0:8501")]
    pub web_addr: std::net::SocketAddr,
    /// What it serves.
    #[command(flatten)]
    pub web: WebConfig,
    /// Bounds on slow and idle clients.
    #[command(flatten)]
    pub http: HttpTimeoutsConfig,
}

/// Who to make an admin.
#[derive(Args, Debug)]
pub struct CreateAdminArgs {
    /// Where PostgreSQL is.
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// The admin's e-mail address.
    #[arg(long)]
    pub email: String,
    /// The admin's password (8–72 bytes); used only when the user is created.
    #[arg(long, env = "ADMIN_PASSWORD", hide_env_values = true)]
    pub password: Secret,
    /// The name shown to others, when the user is created.
    #[arg(long, default_value = "Administrator")]
    pub display_name: String,
    /// bcrypt cost for the password hash.
    #[arg(long, env = "BCRYPT_COST", default_value_t = 12, value_parser = clap::value_parser!(u32).range(4..=31))]
    pub bcrypt_cost: u32,
}
