//! Slow and idle clients are disconnected at their bounds; answers and event streams are not.

use crate::helpers::{
    SECRET, TestApp, spawn_app_with, test_config, test_redis, until_the_api_listens,
};
use bestiary::api::Api;
use bestiary::config::Secret;
use commands::testing::eventually;
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Bounds far below what a waiting test tolerates (30 s), so only a timeout can close.
async fn app_with_short_timeouts() -> TestApp {
    let mut config = test_config();
    config.http.http_header_timeout_ms = 300;
    config.http.http_idle_timeout_ms = 300;
    spawn_app_with(config, test_redis()).await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the server closes the connection; what it sent meanwhile.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(30), async {
        let mut chunk = [0u8; 4096];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(read) => received.extend_from_slice(&chunk[..read]),
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server kept the connection open");
    String::from_utf8_lossy(&received).into_owned()
}

/// Reads until `needle` has arrived; everything read.
async fn until_received(stream: &mut TcpStream, needle: &str) -> String {
    let mut received = String::new();
    let arrived = tokio::time::timeout(Duration::from_secs(30), async {
        let mut chunk = [0u8; 4096];
        while !received.contains(needle) {
            let read = stream.read(&mut chunk).await.unwrap();
            assert!(read > 0, "closed before `{needle}`: {received}");
            received.push_str(&String::from_utf8_lossy(&chunk[..read]));
        }
    })
    .await;
    assert!(arrived.is_ok(), "`{needle}` never came: {received}");
    received
}

#[tokio::test]
async fn a_client_that_stops_in_the_middle_of_its_headers_is_disconnected() {
    let app = app_with_short_timeouts().await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: ")
        .await
        .unwrap();
    assert_eq!(
        until_closed(&mut stream).await,
        "",
        "no answer to half a request"
    );
}

#[tokio::test]
async fn a_client_that_connects_and_sends_nothing_is_disconnected() {
    let app = app_with_short_timeouts().await;
    let mut stream = connect(&app).await;
    assert_eq!(until_closed(&mut stream).await, "");
}

#[tokio::test]
async fn a_kept_alive_connection_is_answered_then_closed_when_idle() {
    let app = app_with_short_timeouts().await;
    let mut stream = connect(&app).await;
    for _ in 0..2 {
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            .await
            .unwrap();
        let answer = until_received(&mut stream, "\r\n\r\n").await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    until_closed(&mut stream).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_live_event_stream_outlasts_the_idle_timeout() {
    let app = app_with_short_timeouts().await;
    until_the_api_listens(&app).await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /updates HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let head = until_received(&mut stream, "\r\n\r\n").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    // A connection answered after the stream began is closed by the idle timeout: by then
    // the stream has been quiet for longer than that.
    let mut idle = connect(&app).await;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    until_closed(&mut idle).await;
    let notice = json!({"projection": "creatures", "position": 1, "creatures": []});
    app.announce_progress(&notice).await;
    until_received(&mut stream, "event: projection").await;
}

#[tokio::test]
async fn shutting_down_answers_the_open_request_first() {
    let mut config = test_config();
    config.read_wait_ms = 500;
    let db = commands::testing::TestDatabase::create().await;
    let api = Api::build(db.pool.clone(), &config, &test_redis(), Secret::new(SECRET))
        .await
        .unwrap();
    let address = format!("http://{}", api.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(api.run(async {
        let _ = stopped.await;
    }));
    // The read's first query blocks on this lock: it is surely open when the shutdown starts.
    let mut blocker = db.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE projection_checkpoints IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let open = tokio::spawn(
        client
            .get(format!("{address}/creatures?min_position=1"))
            .send(),
    );
    until_a_query_waits_for_a_lock(&db).await;
    stop.send(()).unwrap();
    blocker.commit().await.unwrap();
    // No worker runs: the read waits its bound, then answers; the shutdown waited for it.
    let answer = open.await.unwrap().unwrap();
    assert_eq!(answer.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
    running.await.unwrap().unwrap();
}

/// Waits until some query on the test database waits for a lock.
async fn until_a_query_waits_for_a_lock(db: &commands::testing::TestDatabase) {
    eventually(
        Duration::from_secs(30),
        "the read to wait on its lock",
        || async {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .fetch_one(&db.pool)
            .await
            .unwrap();
            if waiting > 0 { Ok(()) } else { Err(waiting) }
        },
    )
    .await;
}
