//! What the report says about where it ran: the machine, PostgreSQL's settings, versions.

use serde::Serialize;
use sqlx::PgPool;
use std::process::Command;

/// The run's context.
#[derive(Debug, Serialize)]
pub struct Machine {
    /// CPU model.
    pub cpu: String,
    /// Cores the OS offers.
    pub cores: usize,
    /// Memory, GiB.
    pub memory_gib: f64,
    /// Kernel.
    pub kernel: String,
    /// `rustc --version`.
    pub rustc: String,
    /// PostgreSQL's `version()`.
    pub postgres: String,
    /// Settings that decide commit and scan speed.
    pub postgres_settings: Vec<(String, String)>,
    /// `redis-server --version`.
    pub redis: String,
    /// Bestiary's commit.
    pub commit: String,
    /// When the run started (UTC).
    pub started_at: String,
}

const SETTINGS: [&str; 8] = [
    "synchronous_commit",
    "fsync",
    "wal_sync_method",
    "full_page_writes",
    "shared_buffers",
    "max_connections",
    "wal_level",
    "commit_delay",
];

fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default()
}

impl Machine {
    /// Reads it all.
    pub async fn describe(pool: &PgPool) -> anyhow::Result<Machine> {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name"))
            .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
            .unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib: f64 = meminfo
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_default();
        let mut postgres_settings = Vec::new();
        for setting in SETTINGS {
            let value: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SHOW {setting}")))
                .fetch_one(pool)
                .await?;
            postgres_settings.push((setting.to_owned(), value));
        }
        Ok(Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(0, usize::from),
            memory_gib: memory_kib / 1024.0 / 1024.0,
            kernel: output("uname", &["-sr"]),
            rustc: output("rustc", &["--version"]),
            postgres: sqlx::query_scalar("SELECT version()")
                .fetch_one(pool)
                .await?,
            postgres_settings,
            redis: output("redis-server", &["--version"]),
            commit: output("git", &["rev-parse", "--short", "HEAD"]),
            started_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        })
    }
}
