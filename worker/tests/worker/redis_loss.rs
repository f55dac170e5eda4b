//! Redis flushed and stopped while commands append: the projections still reach the head, and
//! the worker is woken by Redis again once it returns.

use crate::helpers::{
    RunningWorker, assert_equals_replay, publish_head, settings, wait_for_head, write_workload,
};
use commands::testing::TestDatabase;
use commands::{CommandHandler, EventStore};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A Redis server of this test's own, on a free port.
struct OwnRedis {
    port: u16,
    child: Child,
}

impl OwnRedis {
    fn start(port: Option<u16>) -> Self {
        let port = port.unwrap_or_else(|| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        });
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server runs");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { port, child }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

async fn subscribers(url: &str, channel: &str) -> i64 {
    let client = redis::Client::open(url).unwrap();
    let Ok(mut connection) = client.get_multiplexed_async_connection().await else {
        return 0;
    };
    let counts: Vec<(String, i64)> = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(channel)
        .query_async(&mut connection)
        .await
        .unwrap_or_default();
    counts.first().map_or(0, |(_, count)| *count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn projections_reach_the_head_through_redis_being_flushed_stopped_and_restarted() {
    let redis = OwnRedis::start(None);
    let url = redis.url();
    let db = TestDatabase::create().await;
    let settings = settings(&url);
    let channel = worker::wake::channel(&settings.redis_prefix);
    let worker = RunningWorker::start(db.pool.clone(), settings.clone());
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    let publish = |position| {
        let (url, prefix) = (url.clone(), settings.redis_prefix.clone());
        async move { publish_head(&url, &prefix, position).await }
    };

    write_workload(handler.clone(), 0, 200, publish).await;
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("FLUSHALL")
        .query_async(&mut connection)
        .await
        .unwrap();
    write_workload(handler.clone(), 1, 200, publish).await;
    let port = redis.port;
    redis.stop();
    write_workload(handler.clone(), 2, 200, publish).await;
    wait_for_head(&db.pool, Duration::from_secs(30)).await;

    let restarted = OwnRedis::start(Some(port));
    let deadline = Instant::now() + Duration::from_secs(15);
    while subscribers(&restarted.url(), &channel).await == 0 {
        assert!(
            Instant::now() < deadline,
            "the worker did not subscribe again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    write_workload(handler, 3, 100, publish).await;
    wait_for_head(&db.pool, Duration::from_secs(30)).await;
    worker.stop().await;
    assert_equals_replay(&db.pool).await;
}
