//! Running a projection: one batch at a time, its rows and its checkpoint in one transaction.
//!
//! A batch reads up to thousands of events, decodes each once, and hands them to the
//! projection, which folds them per stream in memory and writes each table with one
//! statement. The projection's checkpoint lock is held for the batch, so even two runners of
//! one projection cannot apply an event twice: the second waits, then reads the advanced
//! checkpoint.
//!
//! A batch's transaction holds back every reader of the log from the moment it writes (it
//! then has a transaction id; see [`crate::reader`]), so it does all its reading first: the
//! checkpoint lock is an advisory lock, which takes no transaction id, and the rows a batch
//! changes are loaded before the first write. The writes, then the checkpoint with its notice
//! in one statement, follow one another, and the commit does not wait for the disk.
//!
//! A poison event (one that fails for what it is, not for a passing fault) parks its stream
//! ([`crate::parked`]): that stream's later events are held, every other stream flows on. An
//! event that cannot be decoded is found as it is decoded; one the database refuses is found by
//! applying the batch again event by event, each in a savepoint, which only a failing batch
//! pays for.

use crate::PROJECTION_CHANNEL;
use crate::checkpoint::Checkpoint;
use crate::error::ApplyError;
use crate::lease::CHECKPOINT_LOCK_CLASS;
use crate::parked;
use crate::projection::Projection;
use crate::reader::{self, Decoded, Horizon, Logged, Poison};
use serde_json::json;
use sqlx::FromRow;
use sqlx::{Acquire, PgConnection, PgPool, Postgres, Row, Transaction};
use std::collections::{BTreeSet, HashSet};
use uuid::Uuid;

/// At most this many creature ids are named in one change notice; beyond that, clients are
/// told to refresh everything.
const MAX_NOTICE_IDS: usize = 50;

/// What one batch did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Events applied.
    pub applied: usize,
    /// Streams parked by this batch.
    pub parked: usize,
    /// The checkpoint after the batch.
    pub checkpoint: Checkpoint,
    /// Whether the batch reached everything readable now (no full batch waiting).
    pub caught_up: bool,
    /// Whether the checkpoint moved: a transaction that wrote has committed.
    pub moved: bool,
    /// The log as the batch's read saw it: its head, and whether committed events wait
    /// behind a transaction in flight.
    pub horizon: Horizon,
}

impl BatchOutcome {
    /// A window with nothing in it: the checkpoint stays at its start.
    fn nothing_new(fetched: &Fetched) -> Self {
        Self {
            applied: 0,
            parked: 0,
            checkpoint: fetched.start,
            caught_up: fetched.caught_up,
            moved: false,
            horizon: fetched.horizon,
        }
    }

    /// A window with no event the projection reads: the checkpoint moves to its end.
    fn moved_over(fetched: &Fetched) -> Self {
        Self {
            checkpoint: fetched.reached,
            moved: true,
            ..Self::nothing_new(fetched)
        }
    }
}

/// How a batch meets an event the database refuses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Refused {
    /// The batch is applied in a savepoint; if refused, again event by event, and the refused
    /// events park their streams.
    Park,
    /// The batch is applied as it is (no savepoint: two round trips fewer) and a refusal fails
    /// the transaction; the caller rolls back and applies it again with [`Refused::Park`].
    Fail,
}

/// Applies up to `limit` events to the projection.
pub async fn run_batch(
    pool: &PgPool,
    projection: &dyn Projection,
    limit: i64,
) -> Result<BatchOutcome, ApplyError> {
    let mut tx = begin_batch(pool, projection).await?;
    let (start, _) = locked_checkpoint(&mut tx, projection).await?;
    let outcome = apply_next(&mut tx, projection, start, limit, true).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// A window of the log read and decoded, not applied yet.
pub(crate) struct Fetched {
    /// Where the window starts.
    start: Checkpoint,
    /// Where it ends.
    reached: Checkpoint,
    /// Whether it reached everything readable.
    caught_up: bool,
    /// The log as the read saw it.
    horizon: Horizon,
    /// The events the projection reads, each decoded or found poison.
    events: Vec<Result<Decoded, (Poison, ApplyError)>>,
}

/// Reads the window after `start` and decodes each event once.
async fn fetch(
    conn: &mut PgConnection,
    projection: &dyn Projection,
    start: Checkpoint,
    limit: i64,
) -> Result<Fetched, sqlx::Error> {
    let read = reader::read_after(conn, start, limit, &projection.reads()).await?;
    Ok(Fetched {
        start,
        reached: read.reached(start),
        caught_up: read.complete,
        horizon: read.horizon,
        events: read
            .events
            .into_iter()
            .map(Logged::decode_or_poison)
            .collect(),
    })
}

/// Reads and applies the events after `start` in the schema on the search path, and moves the
/// checkpoint of the projection (`live`) or of its rebuild.
pub(crate) async fn apply_next(
    conn: &mut PgConnection,
    projection: &dyn Projection,
    start: Checkpoint,
    limit: i64,
    live: bool,
) -> Result<BatchOutcome, ApplyError> {
    let fetched = fetch(conn, projection, start, limit).await?;
    let held = if fetched.events.is_empty() {
        HashSet::new()
    } else {
        parked::held(conn).await?
    };
    apply_fetched(conn, projection, fetched, live, held, Refused::Park).await
}

/// Applies a window read after the checkpoint, with `held` the streams parked now.
async fn apply_fetched(
    conn: &mut PgConnection,
    projection: &dyn Projection,
    fetched: Fetched,
    live: bool,
    mut held: HashSet<Uuid>,
    refused: Refused,
) -> Result<BatchOutcome, ApplyError> {
    if fetched.reached == fetched.start {
        return Ok(BatchOutcome::nothing_new(&fetched));
    }
    let Fetched {
        reached,
        caught_up,
        horizon,
        events,
        ..
    } = fetched;
    let already = held.len();
    let events = hold_and_park(conn, projection, events, &mut held).await?;
    let applied = apply(conn, projection, events, &mut held, refused).await?;
    if live {
        save_checkpoint_and_announce(conn, projection, reached, &applied).await?;
    } else {
        crate::rebuild::progress::save_progress(conn, projection, reached, applied.len()).await?;
    }
    Ok(BatchOutcome {
        applied: applied.len(),
        parked: held.len() - already,
        checkpoint: reached,
        caught_up,
        moved: true,
        horizon,
    })
}

/// Runs batches until the projection has applied everything readable now, or until
/// `go_on` says to stop (it is told each committed batch's outcome and asked whether to go
/// on, so a worker shutting down stops between batches, not at the end of a long catch-up,
/// and a worker can measure each batch). The next window is read and decoded on a connection
/// of its own while the current one is written, so reading and writing overlap; a window read
/// from a checkpoint that moved meanwhile (another runner) is dropped and read again. When
/// nothing new is readable it writes nothing: no checkpoint row is locked, no transaction id
/// is taken.
pub async fn catch_up(
    pool: &PgPool,
    projection: &'static dyn Projection,
    batch: i64,
    go_on: &(dyn Fn(&BatchOutcome) -> bool + Sync),
) -> Result<BatchOutcome, ApplyError> {
    catch_up_from(pool, projection, None, batch, go_on).await
}

/// [`catch_up`], reading first after `known` (where the caller's last catch-up left the
/// checkpoint) instead of asking the database where the checkpoint stands: one round trip
/// fewer for a runner that follows the log step after step. A checkpoint moved meanwhile
/// (another runner, a rebuild's swap, a reset) is found as the batch locks it, and the batch
/// then applies what follows the checkpoint as it stands; only a window with nothing new in it
/// ends the catch-up without looking, so a caller should pass `None` after such a step.
pub async fn catch_up_from(
    pool: &PgPool,
    projection: &'static dyn Projection,
    known: Option<Checkpoint>,
    batch: i64,
    go_on: &(dyn Fn(&BatchOutcome) -> bool + Sync),
) -> Result<BatchOutcome, ApplyError> {
    let start = if let Some(known) = known {
        known
    } else {
        let row = sqlx::query(
            "SELECT transaction_id::text AS xid, position FROM projection_checkpoints WHERE name = $1",
        )
        .bind(projection.name())
        .fetch_optional(pool)
        .await?;
        if let Some(row) = row {
            Checkpoint::from_row(&row)?
        } else {
            let outcome = run_batch(pool, projection, batch).await?;
            go_on(&outcome);
            return Ok(outcome);
        }
    };
    let mut ahead = read_ahead(pool, projection, start, batch);
    loop {
        let fetched = ahead
            .await
            .map_err(|error| ApplyError::Database(sqlx::Error::Protocol(error.to_string())))??;
        if fetched.reached == fetched.start {
            // Nothing to apply: no transaction, so this step takes no transaction id and holds
            // back no other reader of the log (a held-back projection polls often).
            let outcome = BatchOutcome::nothing_new(&fetched);
            go_on(&outcome);
            return Ok(outcome);
        }
        let mut next =
            (!fetched.caught_up).then(|| read_ahead(pool, projection, fetched.reached, batch));
        let outcome = if fetched.events.is_empty() {
            if let Some(outcome) = move_checkpoint(pool, projection, &fetched).await? {
                outcome
            } else {
                // Another runner moved the checkpoint: what is being read after it is stale
                // too.
                if let Some(stale) = next.take() {
                    stale.abort();
                }
                run_batch(pool, projection, batch).await?
            }
        } else {
            let mut tx = begin_batch(pool, projection).await?;
            let (locked, held) = locked_checkpoint(&mut tx, projection).await?;
            let attempt = if locked == fetched.start {
                apply_fetched(&mut tx, projection, fetched, true, held, Refused::Fail).await
            } else {
                // Another runner moved the checkpoint: what was read is stale, and so is what
                // is being read after it.
                if let Some(stale) = next.take() {
                    stale.abort();
                }
                apply_next(&mut tx, projection, locked, batch, true).await
            };
            match attempt {
                Ok(outcome) => {
                    tx.commit().await?;
                    outcome
                }
                // The database refused the batch for what it holds: again, parking what it
                // refuses (the window read ahead is checked against the checkpoint like any
                // other).
                Err(error) if error.is_poison() => {
                    tx.rollback().await?;
                    run_batch(pool, projection, batch).await?
                }
                Err(error) => return Err(error),
            }
        };
        if !go_on(&outcome) || outcome.caught_up {
            if let Some(extra) = next {
                extra.abort();
            }
            return Ok(outcome);
        }
        ahead = next.unwrap_or_else(|| read_ahead(pool, projection, outcome.checkpoint, batch));
    }
}

/// Moves the checkpoint over a window that holds no event the projection reads, in one
/// statement outside any transaction (its commit not waiting for the disk), so the
/// transaction id it takes is held for that statement alone. It takes no lock: the move is
/// made only from where the window starts, so a checkpoint another runner moved meanwhile
/// stays as it is, and then the outcome is `None`.
async fn move_checkpoint(
    pool: &PgPool,
    projection: &dyn Projection,
    fetched: &Fetched,
) -> Result<Option<BatchOutcome>, sqlx::Error> {
    let moved: Option<String> = sqlx::query_scalar(
        "WITH local AS (SELECT set_config('synchronous_commit', 'off', true)), \
              moved AS (UPDATE projection_checkpoints SET transaction_id = $2::text::xid8, \
                  position = $3, updated_at = now() \
                  WHERE name = $1 AND transaction_id = $4::text::xid8 AND position = $5 \
                  RETURNING name) \
         SELECT moved.name, pg_notify($6, $7) FROM moved, local",
    )
    .bind(projection.name())
    .bind(fetched.reached.transaction_id_text())
    .bind(fetched.reached.position)
    .bind(fetched.start.transaction_id_text())
    .bind(fetched.start.position)
    .bind(PROJECTION_CHANNEL)
    .bind(notice(projection, fetched.reached, &[]))
    .fetch_optional(pool)
    .await?;
    Ok(moved.map(|_| BatchOutcome::moved_over(fetched)))
}

fn read_ahead(
    pool: &PgPool,
    projection: &'static dyn Projection,
    start: Checkpoint,
    limit: i64,
) -> tokio::task::JoinHandle<Result<Fetched, sqlx::Error>> {
    let pool = pool.clone();
    tokio::spawn(async move {
        let mut conn = pool.acquire().await?;
        fetch(&mut conn, projection, start, limit).await
    })
}

/// Begins a batch's transaction, in one round trip: the projection's schema first on the
/// search path, a commit that does not wait for its WAL to reach the disk, and the
/// projection's checkpoint lock. The commit may skip the disk because a projection is
/// derived: its rows and checkpoint commit together, so a crash that loses the last batches
/// loses their checkpoint with them, and they are applied again from the log, whose events
/// commit durably (and are readable only once durable). The lock is an advisory one, held
/// to the end of the transaction: unlike a row lock it takes no transaction id, so the batch
/// holds back no reader of the log until it writes. Each statement of the round trip reads
/// what committed before it, so the checkpoint read next is the one the lock protects.
async fn begin_batch(
    pool: &PgPool,
    projection: &dyn Projection,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    pool.begin_with(sqlx::AssertSqlSafe(format!(
        "BEGIN; SET LOCAL search_path = {}, public; SET LOCAL synchronous_commit = off; \
         SELECT pg_advisory_xact_lock({CHECKPOINT_LOCK_CLASS}, {})",
        projection.schema(),
        projection.index()
    )))
    .await
}

/// Takes the projection's checkpoint lock for this transaction, as [`begin_batch`] does, and
/// reads the checkpoint. Every writer of a projection's checkpoint holds this lock, but for
/// [`move_checkpoint`], whose one statement moves it only from where it stood.
pub(crate) async fn lock_checkpoint(
    conn: &mut PgConnection,
    projection: &dyn Projection,
) -> Result<Checkpoint, sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind(CHECKPOINT_LOCK_CLASS)
        .bind(projection.index())
        .execute(&mut *conn)
        .await?;
    Ok(locked_checkpoint(conn, projection).await?.0)
}

/// The checkpoint of a projection whose lock this transaction holds (creating its row if it
/// is new), and the streams parked in its live schema, in one statement.
async fn locked_checkpoint(
    conn: &mut PgConnection,
    projection: &dyn Projection,
) -> Result<(Checkpoint, HashSet<Uuid>), sqlx::Error> {
    let sql = format!(
        "SELECT c.transaction_id::text AS xid, c.position, \
             ARRAY(SELECT stream_id FROM {}.{}) AS held \
         FROM projection_checkpoints c WHERE c.name = $1",
        projection.schema(),
        parked::TABLE
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(projection.name())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        sqlx::query("INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(projection.name())
            .execute(&mut *conn)
            .await?;
        return Ok((Checkpoint::default(), parked::held(conn).await?));
    };
    let held: Vec<Uuid> = row.try_get("held")?;
    Ok((Checkpoint::from_row(&row)?, held.into_iter().collect()))
}

/// Holds the events of parked streams; a poison event parks its stream.
async fn hold_and_park(
    conn: &mut PgConnection,
    projection: &dyn Projection,
    events: Vec<Result<Decoded, (Poison, ApplyError)>>,
    held: &mut HashSet<Uuid>,
) -> Result<Vec<Decoded>, sqlx::Error> {
    let mut decoded = Vec::with_capacity(events.len());
    for event in events {
        match event {
            Ok(event) if held.contains(&event.stream_id) => {}
            Ok(event) => decoded.push(event),
            Err((poison, _)) if held.contains(&poison.stream_id) => {}
            Err((poison, error)) => {
                parked::park(conn, projection, &poison, &error).await?;
                held.insert(poison.stream_id);
            }
        }
    }
    Ok(decoded)
}

/// Applies the decoded events, all at once; if the database refuses the batch for what it
/// holds, event by event instead, parking the stream of each event refused (or, with
/// [`Refused::Fail`], failing). The events applied.
async fn apply(
    conn: &mut PgConnection,
    projection: &dyn Projection,
    events: Vec<Decoded>,
    held: &mut HashSet<Uuid>,
    refused: Refused,
) -> Result<Vec<Decoded>, ApplyError> {
    if events.is_empty() {
        return Ok(events);
    }
    if refused == Refused::Fail {
        projection.apply(conn, &events).await?;
        return Ok(events);
    }
    let error = {
        let mut batch = conn.begin().await?;
        match projection.apply(&mut batch, &events).await {
            Ok(()) => {
                batch.commit().await?;
                return Ok(events);
            }
            Err(error) => {
                batch.rollback().await?;
                ApplyError::from(error)
            }
        }
    };
    if !error.is_poison() {
        return Err(error);
    }
    let mut applied = Vec::with_capacity(events.len());
    for event in events {
        if held.contains(&event.stream_id) {
            continue;
        }
        let mut one = conn.begin().await?;
        match projection
            .apply(&mut one, std::slice::from_ref(&event))
            .await
        {
            Ok(()) => {
                one.commit().await?;
                applied.push(event);
            }
            Err(error) => {
                one.rollback().await?;
                let error = ApplyError::from(error);
                if !error.is_poison() {
                    return Err(error);
                }
                let poison = Poison {
                    stream_id: event.stream_id,
                    position: event.position(),
                    event_type: event.event.event_type().to_owned(),
                };
                parked::park(conn, projection, &poison, &error).await?;
                held.insert(event.stream_id);
            }
        }
    }
    Ok(applied)
}

/// Moves the checkpoint to `reached` and tells listeners (on commit) what changed, in one
/// statement.
async fn save_checkpoint_and_announce(
    conn: &mut PgConnection,
    projection: &dyn Projection,
    reached: Checkpoint,
    applied: &[Decoded],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH moved AS (UPDATE projection_checkpoints SET transaction_id = $2::text::xid8, \
             position = $3, events_applied = events_applied + $4, updated_at = now() \
             WHERE name = $1 RETURNING name) \
         SELECT pg_notify($5, $6) FROM moved",
    )
    .bind(projection.name())
    .bind(reached.transaction_id_text())
    .bind(reached.position)
    .bind(applied.len() as i64)
    .bind(PROJECTION_CHANNEL)
    .bind(notice(projection, reached, applied))
    .execute(conn)
    .await?;
    Ok(())
}

/// What listeners are told of a batch: the position reached, the checkpoint (so a waiting
/// read can tell whether its event is applied without asking the database) and the creatures
/// touched.
fn notice(projection: &dyn Projection, reached: Checkpoint, applied: &[Decoded]) -> String {
    let creatures: BTreeSet<Uuid> = applied
        .iter()
        .filter(|event| matches!(event.event, crate::projection::AnyEvent::Creature(_)))
        .map(|event| event.stream_id)
        .collect();
    let position = applied
        .iter()
        .map(Decoded::position)
        .max()
        .unwrap_or(0)
        .max(reached.position);
    let creatures = (creatures.len() <= MAX_NOTICE_IDS).then_some(creatures);
    let notice = json!({
        "projection": projection.name(),
        "position": position,
        "checkpoint": reached,
        "creatures": creatures,
    });
    notice.to_string()
}
