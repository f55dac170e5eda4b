//! The configuration every test system runs with: its signing secret, its bootstrap admin,
//! bcrypt at its cheapest, and a Redis key prefix of its own.

use bestiary::config::{
    ApiConfig, HttpTimeoutsConfig, LoginLimits, ReadsConfig, RedisConfig, Secret,
};
use std::time::Duration;

/// The signing secret of test systems.
pub const SECRET: &str = "test-secret-that-is-long-enough-for-the-api";
/// The bootstrap admin every test system has.
pub const ADMIN_EMAIL: &str = "admin@example.org";
/// The bootstrap admin's password.
pub const ADMIN_PASSWORD: &str = "admin password";

/// The API's configuration in tests: on a free port, with limits no ordinary test reaches.
pub fn api_config() -> ApiConfig {
    ApiConfig {
        api_addr: "127.0.0.1:0".parse().unwrap(),
        secret_key: None,
        web_addr: "127.0.0.1:8501".parse().unwrap(),
        cors_origins: vec![],
        bcrypt_cost: 4,
        access_token_ttl_seconds: 3600,
        read_wait_ms: 5000,
        idempotency_ttl_hours: 24,
        admin_email: Some(ADMIN_EMAIL.into()),
        admin_password: Some(Secret::new(ADMIN_PASSWORD)),
        http: HttpTimeoutsConfig {
            http_header_timeout_ms: 10_000,
            http_idle_timeout_ms: 60_000,
        },
        login_limits: generous_login_limits(),
        reads: ReadsConfig::default(),
    }
}

/// Limits no ordinary test reaches (tests of the limits set their own).
pub fn generous_login_limits() -> LoginLimits {
    LoginLimits {
        login_attempts_per_minute: 100_000,
        login_failures_per_account: 100_000,
        registrations_per_hour: 100_000,
        bcrypt_concurrency: None,
        bcrypt_queue: 1_000,
        trusted_proxies: vec![],
    }
}

/// The production defaults, which a person in a browser never meets.
pub fn production_login_limits() -> LoginLimits {
    LoginLimits {
        login_attempts_per_minute: 30,
        login_failures_per_account: 10,
        registrations_per_hour: 20,
        bcrypt_concurrency: None,
        bcrypt_queue: 8,
        trusted_proxies: vec![],
    }
}

/// The local Redis, with a key prefix of the test's own (`<kind>-<uuid>`).
pub fn redis(kind: &str) -> RedisConfig {
    RedisConfig {
        redis_url: "redis://127.0.0.1:6379".into(),
        redis_prefix: format!("{kind}-{}", uuid::Uuid::new_v4().simple()),
        // Generous: on a loaded test machine a slow answer must not pass for an outage (the
        // outage tests use the default).
        redis_timeout_ms: 500,
        redis_circuit_failures: 3,
        redis_circuit_cooldown_ms: 2_000,
    }
}

/// A worker's settings in tests: it polls often and applies short batches, since an open
/// projection transaction holds back every reader on the server.
pub fn worker_settings(
    redis: &RedisConfig,
    ai_service_url: Option<&str>,
) -> worker::WorkerSettings {
    let mut settings = worker::WorkerSettings::new(&redis.redis_url, &redis.redis_prefix);
    settings.poll_interval = Duration::from_millis(100);
    settings.batch_size = 50;
    settings.avatars = ai_service_url.map(worker::avatars::AvatarSettings::new);
    settings
}
