//! The event store against a real PostgreSQL: concurrency, uniqueness, atomicity.

use super::*;
use crate::CommandError;
use crate::handler::{Command, CommandHandler};
use crate::metadata::EventMetadata;
use crate::testing::TestDatabase;
use domain::creature::{Creature, CreatureEvent};
use domain::user::{User, UserCommand, UserError, UserEvent};
use domain::values::{CreatureName, DisplayName, Email};
use domain::{Actor, Role, UserId};
use std::sync::Arc;
use tokio::sync::Barrier;

fn renamed(name: &str) -> CreatureEvent {
    CreatureEvent::CreatureRenamed {
        name: CreatureName::parse(name).unwrap(),
    }
}

fn metadata() -> EventMetadata {
    EventMetadata::new(&Actor::System, Uuid::now_v7())
}

#[tokio::test]
async fn of_32_writers_expecting_the_same_version_exactly_one_wins() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    let stream = Uuid::now_v7();
    let mut tx = store.begin().await.unwrap();
    tx.append("creature", stream, 0, &[renamed("first")], &metadata())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let barrier = Arc::new(Barrier::new(32));
    let writers = (0..32).map(|n| {
        let store = store.clone();
        let barrier = barrier.clone();
        tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            barrier.wait().await;
            let appended = tx
                .append(
                    "creature",
                    stream,
                    1,
                    &[renamed(&format!("writer {n}"))],
                    &metadata(),
                )
                .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(appended)
        })
    });
    let results = futures::future::join_all(writers).await;
    let (won, lost): (Vec<_>, Vec<_>) = results
        .into_iter()
        .map(Result::unwrap)
        .partition(Result::is_ok);
    assert_eq!(won.len(), 1, "exactly one writer wins");
    assert_eq!(lost.len(), 31);
    assert!(
        lost.iter()
            .all(|result| matches!(result, Err(StoreError::Conflict { expected: 1, .. })))
    );

    let events = store.read_stream(stream).await.unwrap();
    let versions: Vec<i64> = events.iter().map(|event| event.version).collect();
    assert_eq!(versions, vec![1, 2], "no version is duplicated or skipped");
    let positions: Vec<i64> = events.iter().map(|event| event.position).collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]));
}

#[tokio::test]
async fn global_positions_strictly_increase_across_concurrent_streams() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    let writers = (0..16).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            let stream = Uuid::now_v7();
            for round in 0..5 {
                let mut tx = store.begin().await.unwrap();
                tx.append(
                    "creature",
                    stream,
                    round * 2,
                    &[renamed("x"), renamed("y")],
                    &metadata(),
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
            }
        })
    });
    for writer in futures::future::join_all(writers).await {
        writer.unwrap();
    }
    let positions: Vec<i64> = sqlx::query_scalar("SELECT position FROM events ORDER BY position")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(positions.len(), 160);
    let mut unique = positions.clone();
    unique.dedup();
    assert_eq!(unique.len(), 160, "no position is given twice");
    let per_stream_ok: bool = sqlx::query_scalar(
        "SELECT bool_and(ordered) FROM (SELECT (array_agg(version ORDER BY position) = \
         array_agg(version ORDER BY version)) AS ordered FROM events GROUP BY stream_id) s",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(per_stream_ok, "within a stream, positions follow versions");
}

#[tokio::test]
async fn a_stream_cannot_be_appended_at_a_version_it_has_not_reached() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    let mut tx = store.begin().await.unwrap();
    let result = tx
        .append("creature", Uuid::now_v7(), 3, &[renamed("x")], &metadata())
        .await;
    assert!(matches!(
        result,
        Err(StoreError::Conflict {
            expected: 3,
            actual: 0,
            ..
        })
    ));
}

fn register(email: &str) -> Command<User> {
    Command::on_a_new_stream(
        UserCommand::Register {
            email: Email::parse(email).unwrap(),
            display_name: DisplayName::parse("Ada").unwrap(),
            role: Role::User,
        },
        Actor::Anonymous,
        Uuid::now_v7(),
    )
}

#[tokio::test]
async fn a_command_starting_a_stream_that_has_events_after_all_is_decided_on_them() {
    let db = TestDatabase::create().await;
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    let first = register("ada@example.org");
    let id = first.stream_id;
    handler.execute(first).await.unwrap();
    // A minted id met twice: it does not happen with UUIDv7, but the append must not trust it.
    let mut again = register("grace@example.org");
    again.stream_id = id;
    let refused = handler.execute(again).await;
    assert!(
        matches!(
            refused,
            Err(CommandError::Rejected(UserError::AlreadyRegistered))
        ),
        "{refused:?}"
    );
    assert_eq!(handler.store().read_stream(id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn of_two_concurrent_registrations_with_one_email_exactly_one_exists() {
    let db = TestDatabase::create().await;
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    for round in 0..10 {
        let email = format!("ada{round}@example.org");
        let upper = email.to_uppercase();
        let (first, second) = tokio::join!(
            handler.execute(register(&email)),
            handler.execute(register(&upper))
        );
        let taken = [&first, &second]
            .iter()
            .filter(|result| {
                matches!(
                    result,
                    Err(CommandError::Store(StoreError::Taken(
                        domain::UniqueSet::UserEmail
                    )))
                )
            })
            .count();
        assert_eq!(taken, 1, "round {round}: one registration is refused");
        assert!(first.is_ok() || second.is_ok());
    }
    let users: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'UserRegistered'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(users, 10);
}

#[tokio::test]
async fn a_refused_claim_rolls_back_the_events_and_side_writes_with_it() {
    let db = TestDatabase::create().await;
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    handler.execute(register("ada@example.org")).await.unwrap();
    let mut again = register("ada@example.org");
    let loser = again.stream_id;
    again.side_write = Some(SideWrite::PasswordHash {
        user_id: loser,
        hash: "not-a-real-hash".into(),
    });
    assert!(handler.execute(again).await.is_err());
    let store = handler.store();
    assert!(store.read_stream(loser).await.unwrap().is_empty());
    assert_eq!(store.password_hash(loser).await.unwrap(), None);
}

#[tokio::test]
async fn a_stale_expected_version_is_a_conflict_and_never_retried() {
    let db = TestDatabase::create().await;
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    let registered = register("ada@example.org");
    let user = registered.stream_id;
    handler.execute(registered).await.unwrap();
    let promote = |expected| {
        Command::<User>::new(
            user,
            UserCommand::ChangeRole(Role::Admin),
            Actor::System,
            Uuid::now_v7(),
        )
        .expecting(expected)
    };
    let result = handler.execute(promote(Some(0))).await;
    assert!(matches!(
        result,
        Err(CommandError::Store(StoreError::Conflict {
            expected: 0,
            actual: 1,
            ..
        }))
    ));
    let executed = handler.execute(promote(Some(1))).await.unwrap();
    let outcome = executed.outcome().unwrap();
    assert_eq!((outcome.version, outcome.appended), (2, 1));
    let loaded = handler.store().load::<User>(user).await.unwrap();
    assert_eq!(loaded.state.0.unwrap().role, Role::Admin);
}

#[tokio::test]
async fn without_an_expected_version_concurrent_commands_are_all_applied() {
    let db = TestDatabase::create().await;
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    let registered = register("ada@example.org");
    let user = registered.stream_id;
    handler.execute(registered).await.unwrap();
    let changes = (0..4).map(|_| {
        let handler = handler.clone();
        tokio::spawn(async move {
            handler
                .execute(Command::<User>::new(
                    user,
                    UserCommand::ChangePassword {
                        user: UserId::from_uuid(user),
                    },
                    Actor::System,
                    Uuid::now_v7(),
                ))
                .await
        })
    });
    for change in futures::future::join_all(changes).await {
        change
            .unwrap()
            .expect("retried after conflicts, never lost");
    }
    assert_eq!(handler.store().read_stream(user).await.unwrap().len(), 5);
}

#[tokio::test]
async fn a_stream_of_another_type_does_not_load() {
    let db = TestDatabase::create().await;
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    let registered = register("ada@example.org");
    let user = registered.stream_id;
    handler.execute(registered).await.unwrap();
    let loaded = handler.store().load::<Creature>(user).await;
    assert!(matches!(loaded, Err(StoreError::WrongStreamType(id)) if id == user));
    let events = handler.store().read_stream(user).await.unwrap();
    assert!(matches!(
        events[0].decode::<UserEvent>(),
        Ok(UserEvent::UserRegistered { .. })
    ));
}

#[tokio::test]
async fn events_cannot_be_changed_or_deleted() {
    let db = TestDatabase::create().await;
    let handler = CommandHandler::new(EventStore::new(db.pool.clone()));
    handler.execute(register("ada@example.org")).await.unwrap();
    assert!(
        sqlx::query("UPDATE events SET payload = '{}'")
            .execute(&db.pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM events")
            .execute(&db.pool)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn an_append_must_be_the_first_write_of_its_transaction() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    let mut tx = store.begin().await.unwrap();
    tx.append("creature", Uuid::now_v7(), 0, &[renamed("a")], &metadata())
        .await
        .unwrap();
    let second = tx
        .append("creature", Uuid::now_v7(), 0, &[renamed("b")], &metadata())
        .await;
    assert!(matches!(second, Err(StoreError::NotFirstWrite)));
}

#[tokio::test]
async fn an_epoch_moved_by_a_transaction_that_commits_after_a_read_is_seen_by_the_next() {
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    let ada = Uuid::now_v7();
    let bob = Uuid::now_v7();
    let role = |role| UserEvent::UserRoleChanged { role };

    // Bob's change starts first and commits last: a reader keyed on commit order alone
    // would step past it.
    let mut slow = store.begin().await.unwrap();
    slow.append("user", bob, 0, &[role(Role::Admin)], &metadata())
        .await
        .unwrap();
    let mut fast = store.begin().await.unwrap();
    fast.append(
        "user",
        ada,
        0,
        &[role(Role::Admin), role(Role::User)],
        &metadata(),
    )
    .await
    .unwrap();
    fast.commit().await.unwrap();

    let first = sessions::epochs_since(&db.pool, None).await.unwrap();
    assert_eq!(first.epochs, vec![(ada, 2)]);
    slow.commit().await.unwrap();
    let second = sessions::epochs_since(&db.pool, Some(first.horizon))
        .await
        .unwrap();
    assert!(second.epochs.contains(&(bob, 1)), "{second:?}");
    assert_eq!(sessions::epoch_of(&db.pool, bob).await.unwrap(), 1);
    assert_eq!(
        sessions::epoch_of(&db.pool, Uuid::now_v7()).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn a_keyed_append_stores_its_answer_and_a_second_one_under_the_key_writes_nothing() {
    use crate::idempotency::{AnswerTemplate, IdempotencyRecord};
    let db = TestDatabase::create().await;
    let store = EventStore::new(db.pool.clone());
    let record = IdempotencyRecord {
        scope: "system".into(),
        key: "once".into(),
        fingerprint: "request".into(),
        keep_for: std::time::Duration::from_secs(60),
    };
    let template = AnswerTemplate {
        status: 201,
        location: Some("/somewhere".into()),
        body: serde_json::json!({"id": "x", "version": 0, "position": 0}),
    };
    let metadata = metadata();
    let events = [renamed("first")];
    let append = |stream| NewEvents {
        answer: Some((&record, &template)),
        ..NewEvents::new("creature", stream, 0, &events, &metadata)
    };
    let first = store.append(&append(Uuid::now_v7())).await.unwrap();
    let AppendOutcome::Appended {
        appended,
        answer: Some(answer),
    } = first
    else {
        panic!("the first append stores its answer: {first:?}");
    };
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"id": "x", "version": 1, "position": appended.position})
    );
    assert_eq!(
        (answer.status, answer.location.as_deref()),
        (201, Some("/somewhere"))
    );

    // Another stream, the same key: the first answer comes back and nothing is written.
    let other = Uuid::now_v7();
    let second = store.append(&append(other)).await.unwrap();
    assert_eq!(second, AppendOutcome::AnsweredBefore(answer));
    assert!(store.read_stream(other).await.unwrap().is_empty());
}
