//! Redis flushed and stopped while commands append: the projections still reach the head, and
//! the worker is woken by Redis again once it returns.

use crate::helpers::{
    RunningWorker, assert_equals_replay, publish_head, settings, wait_for_head, write_workload,
};
use commands::testing::TestDatabase;
use commands::testing::eventually;
use commands::{CommandHandler, EventStore};
use redis_link::testing::OwnRedis;
use std::time::Duration;

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
    let channel = redis_link::wake::channel(&settings.redis_prefix);
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
    eventually(
        Duration::from_secs(15),
        "the worker to subscribe again",
        || async {
            match subscribers(&restarted.url(), &channel).await {
                0 => Err(0),
                count => Ok(count),
            }
        },
    )
    .await;
    write_workload(handler, 3, 100, publish).await;
    wait_for_head(&db.pool, Duration::from_secs(30)).await;
    worker.stop().await;
    assert_equals_replay(&db.pool).await;
}
