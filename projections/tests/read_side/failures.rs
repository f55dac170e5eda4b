//! A poison event stops the projections that read it, alone, with the reason recorded.

use crate::fixture::Fixture;
use projections::Projection;
use projections::status::statuses;
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn a_poison_event_stops_its_readers_at_its_position_and_the_others_go_on() {
    let fixture = Fixture::new().await;
    let ada = fixture.user("ada").await;
    fixture.creature(ada, "Before", "dragon", "", vec![]).await;
    // An event this code cannot read, as a newer version of Bestiary might have written.
    let poison: i64 = sqlx::query_scalar(
        "INSERT INTO events (event_id, stream_id, stream_type, version, event_type, schema_version, \
             payload, actor_kind, correlation_id) \
         VALUES ($1, $2, 'creature', 1, 'CreatureTeleported', 1, $3, 'system', $1) RETURNING position",
    )
    .bind(Uuid::now_v7())
    .bind(Uuid::now_v7())
    .bind(json!({"to": "the moon"}))
    .fetch_one(&fixture.db.pool)
    .await
    .unwrap();
    fixture.user("grace").await;
    fixture.creature(ada, "After", "dragon", "", vec![]).await;

    fixture.catch_up(Projection::Users).await;
    for projection in [Projection::Creatures, Projection::Tags] {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !projections::runner::catch_up(&fixture.db.pool, projection, 100)
            .await
            .unwrap()
            .failed
        {
            assert!(
                std::time::Instant::now() < deadline,
                "{} never reached the poison",
                projection.name()
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
    let statuses = statuses(&fixture.db.pool).await.unwrap();
    let by_name = |name: &str| {
        statuses
            .iter()
            .find(|status| status.name == name)
            .unwrap()
            .clone()
    };
    for name in ["creatures", "tags"] {
        let status = by_name(name);
        assert_eq!(status.state, "failed", "{name}");
        assert_eq!(status.failed_position, Some(poison), "{name}");
        assert!(
            status
                .failed_reason
                .as_deref()
                .unwrap()
                .contains("CreatureTeleported"),
            "{name}"
        );
        assert!(
            status.position < poison && status.lag > 0,
            "{name} kept what came before"
        );
    }
    let users = by_name("users");
    assert_eq!(users.state, "running");
    assert_eq!(
        users.lag, 0,
        "the users projection read past the poison event"
    );
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM proj_creatures.creatures")
        .fetch_all(&fixture.db.pool)
        .await
        .unwrap();
    assert_eq!(names, vec!["Before"]);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM proj_users.users")
        .fetch_one(&fixture.db.pool)
        .await
        .unwrap();
    assert_eq!(users, 2);
}
