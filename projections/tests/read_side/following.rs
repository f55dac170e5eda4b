//! A runner that follows the log from the checkpoint its last catch-up left
//! (`runner::catch_up_from`) applies every event once, even when that checkpoint has moved
//! under it: in a batch (the checkpoint lock) and in a window it moves over without a
//! transaction (the move's guard). Transactions still open elsewhere on the server can hold
//! new events back for a moment, so each follow is repeated until its events are readable.

use crate::fixture::Fixture;
use commands::testing::eventually;
use projections::Checkpoint;
use projections::Projection;
use projections::creatures::Creatures;
use projections::runner::catch_up_from;
use projections::users::Users;
use std::time::Duration;

/// Where the projection's checkpoint stands in the database.
async fn stored(fixture: &Fixture, projection: &dyn Projection) -> Checkpoint {
    projections::status::checkpoints(&fixture.db.pool)
        .await
        .unwrap()
        .into_iter()
        .find_map(|(name, checkpoint)| (name == projection.name()).then_some(checkpoint))
        .expect("the projection has a checkpoint")
}

/// Events the creatures projection folds (its streams' events), and what its checkpoint
/// counts as applied.
async fn folded_and_applied(fixture: &Fixture) -> (i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM events WHERE stream_type IN ('creature', 'user', 'tag')), \
                (SELECT events_applied FROM projection_checkpoints WHERE name = 'creatures')",
    )
    .fetch_one(&fixture.db.pool)
    .await
    .unwrap()
}

async fn count(fixture: &Fixture, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&fixture.db.pool)
        .await
        .unwrap()
}

/// Follows from `known` until the projection's table answers `sql` with `expected` rows.
async fn follow_until(
    fixture: &Fixture,
    projection: &'static dyn Projection,
    known: Checkpoint,
    sql: &'static str,
    expected: i64,
) {
    eventually(Duration::from_secs(30), sql, || async {
        catch_up_from(&fixture.db.pool, projection, Some(known), 100, &|_| true)
            .await
            .unwrap();
        match count(fixture, sql).await {
            found if found == expected => Ok(()),
            found => Err(found),
        }
    })
    .await;
}

/// Resets the projection's checkpoint to before every event, as an operator's replay from
/// zero does, and empties `table`.
async fn reset(fixture: &Fixture, projection: &dyn Projection, table: &str) {
    sqlx::query(
        "UPDATE projection_checkpoints SET transaction_id = '0', position = 0, \
             events_applied = 0 WHERE name = $1",
    )
    .bind(projection.name())
    .execute(&fixture.db.pool)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
        .execute(&fixture.db.pool)
        .await
        .unwrap();
}

const CREATURES: &str = "SELECT count(*) FROM proj_creatures.creatures";

#[tokio::test]
async fn a_runner_following_a_checkpoint_another_runner_moved_applies_nothing_twice() {
    let fixture = Fixture::new().await;
    let owner = fixture.user("ada").await;
    fixture.creature(owner, "A", "owl", "", vec![]).await;
    fixture.catch_up(&Creatures).await;
    let left = stored(&fixture, &Creatures).await;

    // Another runner applies B and moves the checkpoint past where the follower thinks it is.
    fixture.creature(owner, "B", "owl", "", vec![]).await;
    fixture.catch_up(&Creatures).await;

    fixture.creature(owner, "C", "owl", "", vec![]).await;
    follow_until(&fixture, &Creatures, left, CREATURES, 3).await;
    let (folded, applied) = folded_and_applied(&fixture).await;
    assert_eq!(applied, folded, "B's events are not applied a second time");
}

#[tokio::test]
async fn a_runner_following_a_checkpoint_that_was_reset_applies_from_where_it_stands() {
    let fixture = Fixture::new().await;
    let owner = fixture.user("ada").await;
    fixture.creature(owner, "A", "owl", "", vec![]).await;
    fixture.catch_up(&Creatures).await;
    let left = stored(&fixture, &Creatures).await;
    reset(&fixture, &Creatures, "proj_creatures.creatures").await;

    // Nothing new after where it thinks it is: it ends without looking (and says so) ...
    let outcome = catch_up_from(&fixture.db.pool, &Creatures, Some(left), 100, &|_| true)
        .await
        .unwrap();
    assert!(!outcome.moved);
    // ... and with something new, the batch finds the checkpoint reset and applies from it.
    fixture.creature(owner, "B", "owl", "", vec![]).await;
    follow_until(&fixture, &Creatures, left, CREATURES, 2).await;
    let (folded, applied) = folded_and_applied(&fixture).await;
    assert_eq!(applied, folded, "everything is applied again from zero");
}

#[tokio::test]
async fn a_window_with_nothing_to_fold_after_a_checkpoint_that_was_reset_does_not_skip_the_reset() {
    let fixture = Fixture::new().await;
    let owner = fixture.user("ada").await;
    fixture.user("grace").await;
    fixture.catch_up(&Users).await;
    let left = stored(&fixture, &Users).await;
    reset(&fixture, &Users, "proj_users.users").await;

    // After where the runner thinks it is, only a creature's events, which the users projection
    // does not fold: the checkpoint must not jump from the reset to the head over the users.
    fixture.creature(owner, "A", "owl", "", vec![]).await;
    follow_until(
        &fixture,
        &Users,
        left,
        "SELECT count(*) FROM proj_users.users",
        2,
    )
    .await;
}
