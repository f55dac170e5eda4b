//! What each subcommand does.

use crate::accounts::{Accounts, Registration};
use crate::api::Api;
use crate::auth::PasswordHasher;
use crate::cli::{ApiArgs, Command, CreateAdminArgs};
use crate::config::Secret;
use crate::{db, shutdown};
use commands::{CommandHandler, EventStore};
use domain::values::{DisplayName, Email, Password};

/// Connections each service's pool may hold.
const POOL_SIZE: u32 = 16;

/// Runs a subcommand to its end.
pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::All(args) => all(args).await,
        Command::Api(args) => api(args).await,
        Command::Migrate(database) => {
            db::connect_and_migrate(&database.url(), 2).await?;
            tracing::info!(database = %db::redact(&database.url()), "migrations applied");
            Ok(())
        }
        Command::CreateAdmin(args) => create_admin(args).await,
    }
}

async fn api(args: ApiArgs) -> anyhow::Result<()> {
    let secret = args.api.secret_key.clone().ok_or_else(|| {
        anyhow::anyhow!("SECRET_KEY is not set: the API refuses to start without a signing secret")
    })?;
    let pool = db::connect_and_migrate(&args.database.url(), POOL_SIZE).await?;
    Api::build(pool, &args.api, secret)
        .await?
        .run(shutdown::signal())
        .await?;
    Ok(())
}

/// Every service in one process. For now that is the API; the worker, the avatar service and
/// the web server join it as they are built.
async fn all(args: ApiArgs) -> anyhow::Result<()> {
    let secret = match args.api.secret_key.clone() {
        Some(secret) => secret,
        None => {
            tracing::warn!(
                "SECRET_KEY is not set: generated one for this run; tokens will not survive a restart"
            );
            Secret::new(format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            ))
        }
    };
    let pool = db::connect_and_migrate(&args.database.url(), POOL_SIZE).await?;
    Api::build(pool, &args.api, secret)
        .await?
        .run(shutdown::signal())
        .await?;
    Ok(())
}

async fn create_admin(args: CreateAdminArgs) -> anyhow::Result<()> {
    let registration = Registration {
        email: Email::parse(&args.email)?,
        password: Password::parse(args.password.expose())?,
        display_name: DisplayName::parse(&args.display_name)?,
    };
    let pool = db::connect_and_migrate(&args.database.url(), 2).await?;
    let accounts = Accounts::new(
        CommandHandler::new(EventStore::new(pool)),
        PasswordHasher::new(args.bcrypt_cost),
    );
    let id = accounts.ensure_admin(registration).await?;
    println!("{} is an admin (user {id})", args.email);
    Ok(())
}
