//! Which server answers, and that every answer reflects what the client was told.

use crate::cluster::cluster;
use crate::support::listening::until_an_api_listens;
use crate::system::{Reads, System, get, read_from, readiness, until_standby_is};
use bestiary::config::ReadFallback;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// Held by the tests that read from the shared standby; the one that pauses its replay holds
/// it alone.
static SHARED_STANDBY: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// Strict reads: every answer comes from the standby or is a 503.
const STRICT: Reads = Reads {
    fallback: ReadFallback::Unavailable,
    max_lag_ms: 5_000,
    wait_ms: 10_000,
};

fn creature(name: &str) -> Value {
    json!({"name": name, "species": "dragon", "description": "", "traits": {}, "tags": []})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_on_the_standby_with_min_position_sees_the_write_before_it() {
    let _shared = SHARED_STANDBY.read().await;
    let system = System::start(STRICT).await;
    let owner = system.user("owner").await;
    for round in 0..200 {
        let name = format!("Creature {round}");
        let created = system
            .api
            .command(Method::POST, "/creatures", &owner, creature(&name))
            .await;
        let id = created.id.expect("the new creature's id");
        let path = format!("/creatures/{id}?min_position={}", created.position);
        let view = read_from(&system.api, &path, "standby-0").await;
        assert_eq!(view["name"], name.as_str(), "round {round}");
        if round % 20 == 0 {
            let me = system.api.me(&owner).await;
            let path = format!(
                "/creatures?owner={}&min_position={}",
                me.id, created.position
            );
            let page = read_from(&system.api, &path, "standby-0").await;
            assert_eq!(page["items"][0]["id"], id.to_string(), "round {round}");
        }
    }
}

/// Resumes the standby's replay when dropped, so a failing test leaves it replaying.
struct ReplayPaused(String);

impl Drop for ReplayPaused {
    fn drop(&mut self) {
        let url = self.0.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async move {
                let pool = sqlx::PgPool::connect(&url).await.ok()?;
                sqlx::query("SELECT pg_wal_replay_resume()")
                    .execute(&pool)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_whose_replay_is_paused_hands_reads_to_the_primary_or_answers_503() {
    let _alone = SHARED_STANDBY.write().await;
    let lenient = Reads {
        fallback: ReadFallback::Primary,
        max_lag_ms: 1_000,
        wait_ms: 3_000,
    };
    let mut system = System::start(lenient).await;
    let strict = system
        .start_api(Reads {
            fallback: ReadFallback::Unavailable,
            ..lenient
        })
        .await;
    let owner = system.user("owner").await;
    let before = system
        .api
        .command(Method::POST, "/creatures", &owner, creature("Before"))
        .await;
    let path = format!(
        "/creatures/{}?min_position={}",
        before.id.unwrap(),
        before.position
    );
    read_from(&system.api, &path, "standby-0").await;

    let standby = system.standby_pool().await;
    sqlx::query("SELECT pg_wal_replay_pause()")
        .execute(&standby)
        .await
        .unwrap();
    let paused = ReplayPaused(cluster().standby.url(system.db.name()));
    let during = system
        .api
        .command(Method::POST, "/creatures", &owner, creature("During"))
        .await;
    let path = format!(
        "/creatures/{}?min_position={}",
        during.id.unwrap(),
        during.position
    );
    let bound = Duration::from_millis(lenient.wait_ms) + Duration::from_secs(1);

    // Both APIs still see the standby up (it is not a second behind yet): both wait on it.
    let ((lenient_answer, served_by, lenient_took), (strict_answer, _, strict_took)) =
        tokio::join!(get(&system.api, &path, None), get(&strict, &path, None));

    assert_eq!(
        lenient_answer.status(),
        StatusCode::OK,
        "READ_FALLBACK=primary"
    );
    assert_eq!(served_by, "primary");
    assert!(lenient_took < bound, "answered in {lenient_took:?}");
    let view: Value = lenient_answer.json().await.unwrap();
    assert_eq!(view["name"], "During");

    assert_eq!(
        strict_answer.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "READ_FALLBACK=unavailable"
    );
    assert!(strict_took < bound, "answered in {strict_took:?}");
    assert_eq!(strict_answer.headers()["retry-after"], "1");
    let problem: Value = strict_answer.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/not-yet-consistent");

    let ready = until_standby_is(&system.api, "lagging").await;
    assert_eq!(ready["status"], "degraded");
    let standby_check = &ready["checks"]["standbys"]["standby-0"];
    assert!(
        standby_check["lag_positions"].as_i64().unwrap() >= 1,
        "{ready}"
    );
    assert!(
        standby_check["lag_ms"].as_u64().unwrap() > lenient.max_lag_ms,
        "{ready}"
    );
    let (metrics, _, _) = get(&system.api, "/metrics", None).await;
    let metrics = metrics.text().await.unwrap();
    for gauge in [
        "bestiary_standby_up",
        "bestiary_standby_lag_seconds",
        "bestiary_standby_lag_events",
    ] {
        assert!(
            metrics.contains(&format!("{gauge}{{standby=\"standby-0\"}}")),
            "{gauge} in {metrics}"
        );
    }
    // A lagging standby is skipped: with none serving, the primary answers every read, even
    // with READ_FALLBACK=unavailable (the setting is for a standby that was asked and is late).
    until_standby_is(&strict, "lagging").await;
    let listed = read_from(&system.api, "/creatures", "primary").await;
    assert_eq!(listed["items"][0]["name"], "During");
    let view = read_from(&strict, &path, "primary").await;
    assert_eq!(view["name"], "During");

    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&standby)
        .await
        .unwrap();
    drop(paused);
    // Each API checks the standby on its own: both must have seen it caught up.
    let ready = until_standby_is(&system.api, "up").await;
    assert_eq!(ready["status"], "ready");
    until_standby_is(&strict, "up").await;
    let view = read_from(&strict, &path, "standby-0").await;
    assert_eq!(view["name"], "During");
    read_from(&system.api, "/creatures", "standby-0").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_standby_stopped_every_query_is_answered_by_the_primary() {
    let standby = cluster().new_standby("stopping");
    let system = System::start_on(
        &standby,
        Reads {
            fallback: ReadFallback::Primary,
            max_lag_ms: 5_000,
            wait_ms: 10_000,
        },
    )
    .await;
    let owner = system.user("owner").await;
    let admin = system.admin().await;
    let created = system
        .api
        .command(Method::POST, "/creatures", &owner, creature("Smaug"))
        .await;
    let id = created.id.unwrap();
    let tagged = system
        .api
        .command(Method::POST, "/tags", &owner, json!({"name": "fiery"}))
        .await;
    let at = tagged.position.max(created.position);
    let fresh = format!("/creatures/{id}?min_position={at}");
    read_from(&system.api, &fresh, "standby-0").await;

    standby.stop();
    let reads = [
        (fresh.clone(), None, StatusCode::OK),
        (
            format!("/creatures?min_position={at}"),
            None,
            StatusCode::OK,
        ),
        (format!("/tags?min_position={at}"), None, StatusCode::OK),
        (format!("/creatures/{id}/history"), None, StatusCode::OK),
        (
            format!("/creatures/{id}/avatar"),
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            "/admin/users".to_owned(),
            Some(admin.as_str()),
            StatusCode::OK,
        ),
        ("/events".to_owned(), Some(admin.as_str()), StatusCode::OK),
    ];
    // Twice: before and after the standby's own check has seen it go.
    for _ in 0..2 {
        for (path, token, status) in &reads {
            let (response, served_by, _) = get(&system.api, path, *token).await;
            assert_eq!(response.status(), *status, "GET {path}");
            if status.is_success() {
                assert_eq!(served_by, "primary", "GET {path}");
            }
        }
        let ready = until_standby_is(&system.api, "down").await;
        assert_eq!(ready["status"], "degraded");
    }
    let view = read_from(&system.api, &fresh, "primary").await;
    assert_eq!(view["name"], "Smaug", "{view}");
    let tags = read_from(&system.api, &format!("/tags?min_position={at}"), "primary").await;
    assert_eq!(tags["tags"][0]["name"], "fiery");
    let ready = readiness(&system.api).await;
    assert_eq!(ready["checks"]["database"], "up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_told_about_a_position_on_updates_reads_it_from_the_standby() {
    let _shared = SHARED_STANDBY.read().await;
    let system = System::start(STRICT).await;
    let owner = system.user("owner").await;
    until_an_api_listens(&system.db.pool).await;
    let mut stream = system
        .api
        .request(Method::GET, "/updates", None)
        .send()
        .await
        .expect("the API answers");
    assert_eq!(stream.status(), StatusCode::OK);
    let created = system
        .api
        .command(Method::POST, "/creatures", &owner, creature("Glaurung"))
        .await;
    let id = created.id.unwrap().to_string();
    let mut received = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let told = loop {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("an update in time")
            .unwrap()
            .expect("the stream stays open");
        received.push_str(&String::from_utf8_lossy(&chunk));
        let told = received.split("\n\n").find_map(|message| {
            let data = message
                .lines()
                .find_map(|line| line.strip_prefix("data: "))?;
            let notice: Value = serde_json::from_str(data).ok()?;
            let names_it = notice["creatures"]
                .as_array()
                .is_some_and(|ids| ids.iter().any(|told| *told == id.as_str()));
            (message.contains("event: projection")
                && notice["projection"] == "creatures"
                && names_it)
                .then(|| notice["position"].as_i64())
                .flatten()
        });
        if let Some(position) = told {
            break position;
        }
    };
    let path = format!("/creatures/{id}?min_position={told}");
    let view = read_from(&system.api, &path, "standby-0").await;
    assert_eq!(view["name"], "Glaurung");
}
