//! Typed configuration, read from flags and the environment (a `.env` file is read first).
//! Secrets are wrapped so they never print.

use clap::Args;
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

/// A secret string: its `Debug` and `Display` hide it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(s))
    }
}

/// Where PostgreSQL is.
#[derive(Args, Clone, Debug)]
pub struct DatabaseConfig {
    /// PostgreSQL URL; the database is created if missing.
    /// [default: database `bestiary` on the local server, as $PGUSER or `postgres`]
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The key-encryption key that wraps each person's data key: 64 hexadecimal digits
    /// (`openssl rand -hex 32`). Without it data keys are stored unwrapped; once keys are
    /// wrapped, every process needs it (docs/architecture.md, "Personal data"). [default: none]
    #[arg(long, env = "KEY_ENCRYPTION_KEY", hide_env_values = true)]
    pub key_encryption_key: Option<Secret>,
}

impl DatabaseConfig {
    /// The URL to connect to.
    pub fn url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            let user = std::env::var("PGUSER").unwrap_or_else(|_| "postgres".into());
            format!("postgres://{user}@127.0.0.1:5432/bestiary")
        })
    }
}

/// Where Redis is, and the prefix of this deployment's keys and channels.
#[derive(Args, Clone, Debug)]
pub struct RedisConfig {
    /// Redis URL (a database index in the URL is honoured).
    #[arg(
        long,
        env = "REDIS_URL",
        default_value = "redis://127.0.0.1:6379",
        hide_env_values = true
    )]
    pub redis_url: String,
    /// Prefix of every Redis key and channel (deployments sharing a Redis must differ).
    #[arg(long, env = "REDIS_PREFIX", default_value = "bestiary")]
    pub redis_prefix: String,
    /// How long (milliseconds) one Redis call on a request's path may take before it is given up.
    #[arg(long, env = "REDIS_TIMEOUT_MS", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub redis_timeout_ms: u64,
    /// Failed or timed-out Redis calls in a row after which Redis is skipped for a while.
    #[arg(long, env = "REDIS_CIRCUIT_FAILURES", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    pub redis_circuit_failures: u32,
    /// How long (milliseconds) Redis is skipped before one call probes it again.
    #[arg(long, env = "REDIS_CIRCUIT_COOLDOWN_MS", default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub redis_circuit_cooldown_ms: u64,
}

impl RedisConfig {
    /// The timeout and circuit of every link to Redis on a request's path.
    pub fn link_settings(&self) -> redis_link::LinkSettings {
        redis_link::LinkSettings {
            timeout: Duration::from_millis(self.redis_timeout_ms),
            failures_to_open: self.redis_circuit_failures,
            cool_down: Duration::from_millis(self.redis_circuit_cooldown_ms),
        }
    }

    /// A link to this Redis (connected at its first call).
    pub fn link(&self) -> anyhow::Result<redis_link::RedisLink> {
        redis_link::RedisLink::new(&self.redis_url, &self.redis_prefix, self.link_settings())
            .map_err(|error| anyhow::anyhow!("REDIS_URL is not a valid Redis URL ({error})"))
    }
}

/// The worker's settings.
#[derive(Args, Clone, Debug)]
pub struct WorkerConfig {
    /// Events a projection applies per transaction.
    #[arg(long, env = "WORKER_BATCH_SIZE", default_value_t = 5_000, value_parser = clap::value_parser!(i64).range(1..=50_000))]
    pub worker_batch_size: i64,
    /// How often (milliseconds) to look for new events while Redis is unreachable.
    #[arg(long, env = "WORKER_POLL_MS", default_value_t = 500)]
    pub worker_poll_ms: u64,
    /// The avatar service the worker calls.
    #[arg(long, env = "AI_SERVICE_URL", default_value = "http://127.0.0.1:8001")]
    pub ai_service_url: String,
    /// Attempts per avatar before the failure is recorded.
    #[arg(long, env = "AVATAR_ATTEMPTS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub avatar_attempts: u32,
    /// The first retry's delay (milliseconds); each next one doubles, with jitter.
    #[arg(long, env = "AVATAR_BACKOFF_MS", default_value_t = 500)]
    pub avatar_backoff_ms: u64,
    /// A job a worker left unacknowledged this long (milliseconds) is taken over by another.
    #[arg(long, env = "AVATAR_CLAIM_AFTER_MS", default_value_t = 60_000)]
    pub avatar_claim_after_ms: u64,
    /// Avatar jobs one worker runs at once.
    #[arg(long, env = "AVATAR_JOBS", default_value_t = 2)]
    pub avatar_jobs: usize,
    /// Address where the worker serves its Prometheus metrics (`GET /metrics`). [default:
    /// none; in `all` the API's `/metrics` carries them]
    #[arg(long, env = "WORKER_METRICS_ADDR")]
    pub worker_metrics_addr: Option<SocketAddr>,
}

impl WorkerConfig {
    /// The worker's settings with the given Redis.
    pub fn settings(&self, redis: &RedisConfig) -> worker::WorkerSettings {
        let mut settings = worker::WorkerSettings::new(&redis.redis_url, &redis.redis_prefix);
        settings.batch_size = self.worker_batch_size;
        settings.poll_interval = Duration::from_millis(self.worker_poll_ms);
        settings.redis_link = redis.link_settings();
        let mut avatars = worker::avatars::AvatarSettings::new(&self.ai_service_url);
        avatars.attempts = self.avatar_attempts;
        avatars.backoff = Duration::from_millis(self.avatar_backoff_ms);
        avatars.claim_after = Duration::from_millis(self.avatar_claim_after_ms);
        avatars.concurrency = self.avatar_jobs;
        settings.avatars = Some(avatars);
        settings
    }
}

/// Bounds on slow and idle HTTP clients (the API and the web server).
#[derive(Args, Clone, Debug)]
pub struct HttpTimeoutsConfig {
    /// How long (milliseconds) a client may take to send a request's head (request line and
    /// headers), counted from connecting, or from the first byte of a later request.
    #[arg(long, env = "HTTP_HEADER_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub http_header_timeout_ms: u64,
    /// How long (milliseconds) a kept-alive connection may wait for its next request.
    #[arg(long, env = "HTTP_IDLE_TIMEOUT_MS", default_value_t = 60_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub http_idle_timeout_ms: u64,
}

impl HttpTimeoutsConfig {
    /// The bounds the server applies.
    pub fn timeouts(&self) -> crate::serve::Timeouts {
        crate::serve::Timeouts {
            header: Duration::from_millis(self.http_header_timeout_ms),
            idle: Duration::from_millis(self.http_idle_timeout_ms),
        }
    }
}

/// The main backend's settings.
#[derive(Args, Clone, Debug)]
pub struct ApiConfig {
    /// Address the API listens on.
    #[arg(long, env = "API_ADDR", default_value = "0.0.0.0:8000")]
    pub api_addr: SocketAddr,
    /// Signing secret for access tokens (at least 32 characters). Changing it invalidates
    /// every token.
    #[arg(long, env = "SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<Secret>,
    /// The web server's address, from which the default CORS origins are derived.
    #[arg(long, env = "WEB_ADDR", default_value = "0.0.0.0:8501")]
    pub web_addr: SocketAddr,
    /// Origins allowed to call the API from a browser, comma-separated.
    /// [default: the web server's own origin, as `localhost` and `127.0.0.1`]
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// bcrypt cost for password hashes (4–31).
    #[arg(long, env = "BCRYPT_COST", default_value_t = 12, value_parser = clap::value_parser!(u32).range(4..=31))]
    pub bcrypt_cost: u32,
    /// Lifetime of an access token, in seconds.
    #[arg(long, env = "ACCESS_TOKEN_TTL_SECONDS", default_value_t = 3600)]
    pub access_token_ttl_seconds: u64,
    /// How long (hours) the answer of a command sent with an `Idempotency-Key` is kept.
    #[arg(long, env = "IDEMPOTENCY_TTL_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..))]
    pub idempotency_ttl_hours: u64,
    /// How long (milliseconds) a read with `min_position` waits for the read model.
    #[arg(long, env = "READ_WAIT_MS", default_value_t = 5000)]
    pub read_wait_ms: u64,
    /// With ADMIN_PASSWORD: this admin exists after start (created or promoted).
    #[arg(long, env = "ADMIN_EMAIL")]
    pub admin_email: Option<String>,
    /// The bootstrap admin's password (used only when the admin is created).
    #[arg(long, env = "ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<Secret>,
    /// Bounds on slow and idle clients (the web server of `all` uses them too).
    #[command(flatten)]
    pub http: HttpTimeoutsConfig,
    /// Bounds on logins, registrations and password hashing.
    #[command(flatten)]
    pub login_limits: LoginLimits,
    /// Hot standbys that serve queries.
    #[command(flatten)]
    pub reads: ReadsConfig,
}

/// Where queries go: hot standbys of the primary (PostgreSQL streaming replication), how far
/// behind one may be, and what a read that must see a position gets when its standby is late.
#[derive(Args, Clone, Debug)]
pub struct ReadsConfig {
    /// Hot standbys (PostgreSQL URLs, comma-separated) that serve queries; commands, logins
    /// and everything that must see the primary stay on DATABASE_URL. [default: none]
    #[arg(
        long,
        env = "DATABASE_READ_URL",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub database_read_url: Vec<Secret>,
    /// What a read with `min_position` gets when its standby has not replayed the position in
    /// time: `primary` (it is read there) or `unavailable` (503 with `Retry-After`).
    #[arg(long, env = "READ_FALLBACK", value_enum, default_value_t = ReadFallback::Primary)]
    pub read_fallback: ReadFallback,
    /// How far (milliseconds) a standby may trail the primary and still serve reads; a read
    /// with `min_position` waits for its standby at most this long after the primary has it.
    #[arg(long, env = "READ_MAX_LAG_MS", default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub read_max_lag_ms: u64,
    /// How often (milliseconds) each standby's health and lag are checked.
    #[arg(long, env = "READ_HEALTH_INTERVAL_MS", default_value_t = 250, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub read_health_interval_ms: u64,
    /// Connections per standby.
    #[arg(long, env = "READ_POOL_SIZE", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    pub read_pool_size: u32,
}

/// No standbys, with the documented defaults.
impl Default for ReadsConfig {
    fn default() -> Self {
        Self {
            database_read_url: Vec::new(),
            read_fallback: ReadFallback::Primary,
            read_max_lag_ms: 1_000,
            read_health_interval_ms: 250,
            read_pool_size: 16,
        }
    }
}

impl ReadsConfig {
    /// How far a standby may trail the primary and still serve reads.
    pub fn max_lag(&self) -> Duration {
        Duration::from_millis(self.read_max_lag_ms)
    }

    /// How often each standby is checked.
    pub fn health_interval(&self) -> Duration {
        Duration::from_millis(self.read_health_interval_ms)
    }

    /// The standbys' URLs (empty entries, as an empty variable gives, are skipped).
    pub fn urls(&self) -> Vec<Secret> {
        self.database_read_url
            .iter()
            .map(|url| Secret::new(url.expose().trim()))
            .filter(|url| !url.expose().is_empty())
            .collect()
    }
}

/// What a read with `min_position` gets when its standby is late.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReadFallback {
    /// The read is served by the primary (once the primary's projection has the position).
    #[default]
    Primary,
    /// 503 (`/problems/not-yet-consistent`) with `Retry-After`.
    Unavailable,
}

/// Bounds on what logins and registrations may cost: rate limits (kept in Redis, shared by
/// every instance; per process while Redis is away) and the bcrypt work in flight.
#[derive(Args, Clone, Debug)]
pub struct LoginLimits {
    /// Login attempts one client address may make per minute (0: no limit).
    #[arg(long, env = "LOGIN_ATTEMPTS_PER_MINUTE", default_value_t = 30)]
    pub login_attempts_per_minute: u32,
    /// Failed logins one account may have per 15 minutes before its logins are refused for
    /// the rest of the window (0: no limit).
    #[arg(long, env = "LOGIN_FAILURES_PER_ACCOUNT", default_value_t = 10)]
    pub login_failures_per_account: u32,
    /// Registrations one client address may make per hour (0: no limit).
    #[arg(long, env = "REGISTRATIONS_PER_HOUR", default_value_t = 20)]
    pub registrations_per_hour: u32,
    /// bcrypt hashes computed at once. [default: the number of cores]
    #[arg(long, env = "BCRYPT_CONCURRENCY")]
    pub bcrypt_concurrency: Option<usize>,
    /// bcrypt hashes that may wait for a free core; past them, 503 with `Retry-After`.
    #[arg(long, env = "BCRYPT_QUEUE", default_value_t = 8)]
    pub bcrypt_queue: usize,
    /// Proxies (addresses or CIDR networks, comma-separated) whose `X-Forwarded-For` names the
    /// client; from anyone else the header is ignored.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// A network (`172.16.0.0/12`) or one address (`10.0.0.7`).
fn parse_network(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{text}` is not an address or a network like 172.16.0.0/12"))
}

impl LoginLimits {
    /// How many hashes run at once.
    pub fn bcrypt_concurrency(&self) -> usize {
        self.bcrypt_concurrency
            .filter(|jobs| *jobs > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from))
    }
}

impl ApiConfig {
    /// How long a keyed command's answer is kept.
    pub fn idempotency_ttl(&self) -> Duration {
        Duration::from_secs(self.idempotency_ttl_hours * 3600)
    }

    /// How long a read with `min_position` may wait.
    pub fn read_wait(&self) -> Duration {
        Duration::from_millis(self.read_wait_ms)
    }

    /// How long an access token lives.
    pub fn access_token_ttl(&self) -> Duration {
        Duration::from_secs(self.access_token_ttl_seconds)
    }

    /// The origins allowed by CORS: the configured ones, or the web server's own.
    pub fn allowed_origins(&self) -> Vec<String> {
        if !self.cors_origins.is_empty() {
            return self
                .cors_origins
                .iter()
                .map(|origin| origin.trim().to_owned())
                .collect();
        }
        let port = self.web_addr.port();
        vec![
            format!("http://localhost:{port}"),
            format!("http://127.0.0.1:{port}"),
        ]
    }
}
