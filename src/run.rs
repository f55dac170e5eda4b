//! What each subcommand does.

use crate::accounts::{Accounts, Registration};
use crate::api::Api;
use crate::auth::PasswordHasher;
use crate::cli::{
    AllArgs, ApiArgs, Command, CreateAdminArgs, RefreshArgs, ReplayArgs, RotateKeysArgs, WebArgs,
    WorkerArgs,
};
use crate::config::Secret;
use crate::system::System;
use crate::web::WebServer;
use crate::{db, shutdown};
use commands::{CommandHandler, EventStore};
use domain::values::{DisplayName, Email, Password};
use worker::Worker;

/// Connections each service's pool may hold.
const POOL_SIZE: u32 = 16;

/// Runs a subcommand to its end.
pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::All(args) => all(*args).await,
        Command::Api(args) => api(*args).await,
        Command::Worker(args) => run_worker(args).await,
        Command::Web(args) => web(args).await,
        Command::Migrate(database) => {
            db::connect_and_migrate(&database, 2).await?;
            tracing::info!(database = %db::redact(&database.url()), "migrations applied");
            Ok(())
        }
        Command::CreateAdmin(args) => create_admin(args).await,
        Command::RefreshAvatars(args) => refresh_avatars(args).await,
        Command::Replay(args) => replay(args).await,
        Command::RotateKeys(args) => rotate_keys(args).await,
    }
}

async fn api(args: ApiArgs) -> anyhow::Result<()> {
    let secret = args.api.secret_key.clone().ok_or_else(|| {
        anyhow::anyhow!("SECRET_KEY is not set: the API refuses to start without a signing secret")
    })?;
    let pool = db::connect_and_migrate(&args.database, POOL_SIZE).await?;
    Api::build(pool, &args.api, &args.redis, secret)
        .await?
        .run(shutdown::signal())
        .await?;
    Ok(())
}

async fn web(args: WebArgs) -> anyhow::Result<()> {
    WebServer::build(&args.web, args.web_addr, args.http.timeouts())
        .await?
        .run(shutdown::signal())
        .await?;
    Ok(())
}

async fn run_worker(args: WorkerArgs) -> anyhow::Result<()> {
    let pool = db::connect_and_migrate(&args.database, POOL_SIZE).await?;
    crate::prometheus::spawn(args.worker.worker_metrics_addr).await?;
    Worker::new(pool, args.worker.settings(&args.redis))
        .run(shutdown::signal())
        .await?;
    Ok(())
}

/// Every service in one process: the API, the worker, the avatar service and the web server
/// with the SPA. Each drains on the one shutdown signal.
async fn all(args: AllArgs) -> anyhow::Result<()> {
    let AllArgs {
        api: args,
        worker,
        ai,
        web,
    } = args;
    let secret = if let Some(secret) = args.api.secret_key.clone() {
        secret
    } else {
        tracing::warn!(
            "SECRET_KEY is not set: generated one for this run; tokens will not survive a restart"
        );
        Secret::new(format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        ))
    };
    let pool = db::connect_and_migrate(&args.database, POOL_SIZE).await?;
    let api = Api::build(pool.clone(), &args.api, &args.redis, secret).await?;
    crate::prometheus::spawn(worker.worker_metrics_addr).await?;
    let worker = Worker::new(pool, worker.settings(&args.redis));
    let ai = ai_service::AiService::build(&ai)
        .await
        .map_err(anyhow::Error::msg)?;
    let web = WebServer::build(&web, args.api.web_addr, args.api.http.timeouts()).await?;
    System {
        api,
        worker,
        ai,
        web,
    }
    .run(shutdown::signal())
    .await
}

async fn create_admin(args: CreateAdminArgs) -> anyhow::Result<()> {
    let registration = Registration {
        email: Email::parse(&args.email)?,
        password: Password::parse(args.password.expose())?,
        display_name: DisplayName::parse(&args.display_name)?,
    };
    let pool = db::connect_and_migrate(&args.database, 2).await?;
    let accounts = Accounts::new(
        CommandHandler::new(EventStore::new(pool)),
        PasswordHasher::new(args.bcrypt_cost, 1, 0),
    );
    let id = accounts.ensure_admin(registration).await?;
    println!("{} is an admin (user {id})", args.email);
    Ok(())
}

async fn refresh_avatars(args: RefreshArgs) -> anyhow::Result<()> {
    let pool = db::connect_and_migrate(&args.database, POOL_SIZE).await?;
    let redis = std::sync::Arc::new(args.redis.link()?);
    let commands = CommandHandler::new(EventStore::new(pool.clone()))
        .with_commit_hook(redis_link::notify::head_publisher(redis.clone()));
    let report = crate::refresh::refresh(
        &pool,
        &commands,
        &redis,
        usize::from(args.concurrency),
        args.missing,
    )
    .await?;
    println!(
        "{} creatures: {} regenerated, {} skipped, {} failed (at most {} in flight)",
        report.total, report.processed, report.skipped, report.failed, report.max_in_flight
    );
    if report.failed > 0 {
        anyhow::bail!("{} avatars failed; run again to retry them", report.failed);
    }
    Ok(())
}

async fn replay(args: ReplayArgs) -> anyhow::Result<()> {
    use projections::projection;
    let projections = match args.projection.as_deref() {
        Some(name) => vec![projection::find(name).ok_or_else(|| {
            anyhow::anyhow!("no projection named `{name}` (there are creatures, tags and users)")
        })?],
        None => projection::ALL.to_vec(),
    };
    let pool = db::connect_and_migrate(&args.database, POOL_SIZE).await?;
    let terminal = crate::progress::on_terminal();
    for projection in projections {
        let claimed = projections::rebuild::claim(&pool, projection).await?;
        let finished = claimed
            .run(&pool, |progress| {
                let rate = format!(
                    "{:.0} events/s{}",
                    progress.events_per_second,
                    progress
                        .eta_seconds
                        .map(|eta| format!(", {eta:.0} s left"))
                        .unwrap_or_default()
                );
                let done = u64::try_from(progress.events_done).unwrap_or(0);
                let total = u64::try_from(progress.events_total).unwrap_or(0);
                if terminal {
                    crate::progress::draw(&progress.name, done, total, &rate);
                } else {
                    tracing::info!(projection = %progress.name, done, total, "{rate}");
                }
            })
            .await?;
        if terminal {
            crate::progress::finish();
        }
        let status = projections::rebuild::status(&pool).await?;
        if let Some(done) = status
            .iter()
            .find(|progress| progress.name == projection.name())
        {
            println!(
                "{}: {:?}, {} events at {:.0} events/s",
                done.name, finished, done.events_done, done.events_per_second
            );
        }
    }
    Ok(())
}

async fn rotate_keys(args: RotateKeysArgs) -> anyhow::Result<()> {
    let pool = db::connect_and_migrate(&args.database, 2).await?;
    let grace = if args.revoke_previous {
        std::time::Duration::ZERO
    } else {
        std::time::Duration::from_secs(args.access_token_ttl_seconds)
    };
    let kid = crate::auth::keyring::rotate(&pool, grace).await?;
    let record = domain::audit::AuditCommand::RecordKeyRotation {
        kid: kid.clone(),
        revoke_previous: args.revoke_previous,
    };
    CommandHandler::new(EventStore::new(pool.clone()))
        .execute(commands::handler::Command::<domain::audit::AuditLog>::new(
            domain::audit::AUDIT_STREAM,
            record,
            domain::Actor::System,
            uuid::Uuid::now_v7(),
        ))
        .await?;
    let redis = args.redis.link()?;
    let announced = crate::auth::ring_sync::announce(&redis, &kid).await;
    tracing::info!(
        kid,
        announced,
        revoke_previous = args.revoke_previous,
        "signing keys rotated from the shell"
    );
    println!(
        "new signing key {kid}; earlier tokens {}",
        if args.revoke_previous {
            "end now".to_owned()
        } else {
            format!("stay valid for {} s", grace.as_secs())
        }
    );
    Ok(())
}
