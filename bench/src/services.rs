//! The real processes under test (`bestiary api`, `bestiary worker`, `ai-service`), started
//! as children on free ports with the benchmark's database and Redis prefix, and their peak
//! memory (VmHWM) read from /proc.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the release binaries are.
#[derive(Clone, Debug)]
pub struct Binaries {
    /// `bestiary`.
    pub bestiary: PathBuf,
    /// `ai-service`.
    pub ai_service: PathBuf,
}

/// A child process, killed when dropped.
pub struct Service {
    /// What it is.
    pub name: &'static str,
    child: Child,
    /// Its base URL, for those that serve HTTP.
    pub url: String,
}

/// What every Bestiary process of one run shares.
#[derive(Clone, Debug)]
pub struct Environment {
    /// `DATABASE_URL`.
    pub database_url: String,
    /// `REDIS_PREFIX` (the benchmark's own keys).
    pub redis_prefix: String,
}

/// The signing secret of benchmark runs (not a real secret: the processes live for a phase).
pub const SECRET: &str = "benchmark-secret-benchmark-secret-0123456789";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

impl Service {
    fn spawn(
        name: &'static str,
        program: &Path,
        args: &[&str],
        env: &[(&str, String)],
        url: String,
    ) -> anyhow::Result<Service> {
        let mut command = Command::new(program);
        command
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command.env("RUST_LOG", "warn");
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command
            .spawn()
            .map_err(|error| anyhow::anyhow!("cannot start {} ({error})", program.display()))?;
        Ok(Service { name, child, url })
    }

    /// The avatar service.
    pub async fn ai_service(binaries: &Binaries) -> anyhow::Result<Service> {
        let port = free_port();
        let service = Self::spawn(
            "ai-service",
            &binaries.ai_service,
            &[],
            &[("AI_SERVICE_ADDR", format!("127.0.0.1:{port}"))],
            format!("http://127.0.0.1:{port}"),
        )?;
        service.healthy("/healthz").await?;
        Ok(service)
    }

    /// `bestiary api`.
    pub async fn api(binaries: &Binaries, environment: &Environment) -> anyhow::Result<Service> {
        Self::api_with(binaries, environment, &[]).await
    }

    /// `bestiary api`, with more of its environment set.
    pub async fn api_with(
        binaries: &Binaries,
        environment: &Environment,
        more: &[(&str, String)],
    ) -> anyhow::Result<Service> {
        let port = free_port();
        let mut env = vec![
            ("DATABASE_URL", environment.database_url.clone()),
            ("REDIS_PREFIX", environment.redis_prefix.clone()),
            ("API_ADDR", format!("127.0.0.1:{port}")),
            ("SECRET_KEY", SECRET.into()),
            ("BCRYPT_COST", "4".into()),
        ];
        env.extend(more.iter().cloned());
        let service = Self::spawn(
            "api",
            &binaries.bestiary,
            &["api"],
            &env,
            format!("http://127.0.0.1:{port}"),
        )?;
        service.healthy("/readyz").await?;
        Ok(service)
    }

    /// `bestiary worker`, with avatar jobs going to `ai_service`.
    pub fn worker(
        binaries: &Binaries,
        environment: &Environment,
        ai_service: &str,
    ) -> anyhow::Result<Service> {
        Self::spawn(
            "worker",
            &binaries.bestiary,
            &["worker"],
            &[
                ("DATABASE_URL", environment.database_url.clone()),
                ("REDIS_PREFIX", environment.redis_prefix.clone()),
                ("AI_SERVICE_URL", ai_service.into()),
            ],
            String::new(),
        )
    }

    /// Waits until `path` answers 200.
    async fn healthy(&self, path: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = reqwest::Client::new();
        loop {
            let answer = client.get(format!("{}{path}", self.url)).send().await;
            if answer.is_ok_and(|response| response.status().is_success()) {
                return Ok(());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "{} did not become healthy",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The most memory it has held so far (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        peak_rss_mib(self.child.id())
    }
}

/// The most memory process `pid` has held so far (VmHWM), in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// What a command run to its end took.
pub struct Finished {
    /// Wall time, seconds.
    pub seconds: f64,
    /// Its peak memory (VmHWM, read every 20 ms while it ran), MiB.
    pub peak_rss_mib: f64,
}

/// Runs `bestiary <args>` on `database_url` to its end; fails unless it succeeds.
pub async fn run_to_end(
    binaries: &Binaries,
    database_url: &str,
    args: &[&str],
) -> anyhow::Result<Finished> {
    let started = Instant::now();
    let mut child = Command::new(&binaries.bestiary)
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let mut peak = 0.0f64;
    let status = loop {
        let now = peak_rss_mib(child.id());
        if now.is_finite() {
            peak = peak.max(now);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    anyhow::ensure!(status.success(), "bestiary {} failed", args.join(" "));
    Ok(Finished {
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_mib: peak,
    })
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
