//! A runner that follows the log from the checkpoint its last catch-up left
//! (`runner::catch_up_from`) applies every event once, even when that checkpoint has moved
//! under it: in a batch (the checkpoint lock) and in a window it moves over without a
//! transaction (the move's guard).

use crate::fixture::Fixture;
use projections::Checkpoint;
use projections::creatures::Creatures;
use projections::runner::{catch_up, catch_up_from};
use projections::users::Users;

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

async fn names(fixture: &Fixture) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM proj_creatures.creatures ORDER BY name")
        .fetch_all(&fixture.db.pool)
        .await
        .unwrap()
}

async fn follow(fixture: &Fixture, known: Option<Checkpoint>) -> projections::BatchOutcome {
    catch_up_from(&fixture.db.pool, &Creatures, known, 100, &|_| true)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_runner_following_a_checkpoint_another_runner_moved_applies_nothing_twice() {
    let fixture = Fixture::new().await;
    let owner = fixture.user("ada").await;
    fixture.creature(owner, "A", "owl", "", vec![]).await;
    let left = follow(&fixture, None).await.checkpoint;

    // Another runner applies B and moves the checkpoint past where the follower thinks it is.
    fixture.creature(owner, "B", "owl", "", vec![]).await;
    catch_up(&fixture.db.pool, &Creatures, 100, &|_| true)
        .await
        .unwrap();

    fixture.creature(owner, "C", "owl", "", vec![]).await;
    let reached = follow(&fixture, Some(left)).await;
    assert!(reached.moved);
    let (folded, applied) = folded_and_applied(&fixture).await;
    assert_eq!(applied, folded, "B's events are not applied a second time");
    assert_eq!(names(&fixture).await, vec!["A", "B", "C"]);
}

#[tokio::test]
async fn a_runner_following_a_checkpoint_that_was_reset_applies_from_where_it_stands() {
    let fixture = Fixture::new().await;
    let owner = fixture.user("ada").await;
    fixture.creature(owner, "A", "owl", "", vec![]).await;
    let left = follow(&fixture, None).await.checkpoint;

    // The checkpoint is reset under the runner, as an operator's replay from zero does.
    sqlx::query(
        "UPDATE projection_checkpoints SET transaction_id = '0', position = 0, \
             events_applied = 0 WHERE name = 'creatures'",
    )
    .execute(&fixture.db.pool)
    .await
    .unwrap();
    sqlx::query("DELETE FROM proj_creatures.creatures")
        .execute(&fixture.db.pool)
        .await
        .unwrap();

    // Nothing new after where it thinks it is: it ends without looking (and says so) ...
    assert!(!follow(&fixture, Some(left)).await.moved);
    // ... and with something new, the batch finds the checkpoint reset and applies from it.
    fixture.creature(owner, "B", "owl", "", vec![]).await;
    assert!(follow(&fixture, Some(left)).await.moved);
    let (folded, applied) = folded_and_applied(&fixture).await;
    assert_eq!(applied, folded, "everything is applied again from zero");
    assert_eq!(names(&fixture).await, vec!["A", "B"]);
}

#[tokio::test]
async fn a_window_with_nothing_to_fold_after_a_checkpoint_that_was_reset_does_not_skip_the_reset() {
    let fixture = Fixture::new().await;
    let owner = fixture.user("ada").await;
    fixture.user("grace").await;
    let left = catch_up_from(&fixture.db.pool, &Users, None, 100, &|_| true)
        .await
        .unwrap()
        .checkpoint;
    sqlx::query(
        "UPDATE projection_checkpoints SET transaction_id = '0', position = 0, \
             events_applied = 0 WHERE name = 'users'",
    )
    .execute(&fixture.db.pool)
    .await
    .unwrap();
    sqlx::query("DELETE FROM proj_users.users")
        .execute(&fixture.db.pool)
        .await
        .unwrap();

    // After where the runner thinks it is, only a creature's events, which the users projection
    // does not fold: the checkpoint must not jump from the reset to the head over the users.
    fixture.creature(owner, "A", "owl", "", vec![]).await;
    catch_up_from(&fixture.db.pool, &Users, Some(left), 100, &|_| true)
        .await
        .unwrap();
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM proj_users.users")
        .fetch_one(&fixture.db.pool)
        .await
        .unwrap();
    assert_eq!(users, 2, "the users are applied again from zero");
}
