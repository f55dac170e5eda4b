//! The bulk load of a rebuild: the log up to a bound, streamed in stream order, folded a
//! stream at a time and written to the shadow's bare tables with `COPY`, every
//! [`FLUSH_STREAMS`] streams. Folding and writing overlap: a writer task loads one chunk while
//! the next is folded, and at most two chunks are held, so memory stays bounded whatever the
//! log's length.

use crate::checkpoint::Checkpoint;
use crate::parked;
use crate::projection::{BulkLoad, Projection, Reads, use_schema};
use crate::reader::{LOGGED_COLUMNS, LOGGED_FROM, Logged, Poison};
use crate::rebuild::RebuildError;
use futures::TryStreamExt;
use sqlx::FromRow;
use sqlx::PgPool;
use std::collections::HashSet;
use tokio::sync::mpsc;
use uuid::Uuid;

/// Streams folded before their rows are written.
pub const FLUSH_STREAMS: usize = 20_000;

/// Where the bulk load stops: every event of a transaction below `xmin`, the last of them at
/// `checkpoint`.
#[derive(Clone, Copy, Debug)]
pub struct Bound {
    /// Transactions below it had all ended when the rebuild started.
    pub xmin: u64,
    /// The last event below it, in commit-safe order (the default when there is none).
    pub checkpoint: Checkpoint,
}

/// The bound of everything readable now.
pub async fn bound(pool: &PgPool) -> Result<Bound, sqlx::Error> {
    let xmin: String = sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
        .fetch_one(pool)
        .await?;
    let xmin: u64 = xmin.parse().map_err(|_| sqlx::Error::ColumnDecode {
        index: "xmin".into(),
        source: format!("{xmin:?} is not an xid8").into(),
    })?;
    let row = sqlx::query(
        "SELECT transaction_id::text AS xid, position FROM events \
         WHERE transaction_id < $1::text::xid8 ORDER BY transaction_id DESC, position DESC LIMIT 1",
    )
    .bind(xmin.to_string())
    .fetch_optional(pool)
    .await?;
    let checkpoint = match row {
        Some(row) => Checkpoint::from_row(&row)?,
        None => Checkpoint::default(),
    };
    Ok(Bound { xmin, checkpoint })
}

/// What one chunk carries to the writer.
struct Chunk {
    rows: Box<dyn BulkLoad>,
    events: i64,
    parked: Vec<(Poison, String)>,
}

/// Folds every event below `bound` that the projection reads into `shadow`'s tables;
/// `cancelled` is asked between chunks. Events at `skipped` positions are left out (an
/// operator skipped them), and a poison event parks its stream in the shadow.
pub async fn load(
    pool: &PgPool,
    projection: &'static dyn Projection,
    shadow: &str,
    bound: Bound,
    skipped: &HashSet<i64>,
) -> Result<bool, RebuildError> {
    let (chunks, mut received) = mpsc::channel::<Chunk>(1);
    let writer = {
        let (pool, shadow) = (pool.clone(), shadow.to_owned());
        tokio::spawn(async move {
            while let Some(mut chunk) = received.recv().await {
                let mut tx = pool.begin().await?;
                use_schema(&mut tx, &shadow).await?;
                chunk.rows.flush(&mut tx).await?;
                for (event, reason) in &chunk.parked {
                    parked::park_reason(&mut tx, projection, event, reason).await?;
                }
                let cancelled =
                    super::progress::record_bulk_progress(&mut tx, projection, chunk.events)
                        .await?;
                tx.commit().await?;
                if cancelled {
                    return Ok::<bool, sqlx::Error>(true);
                }
            }
            Ok(false)
        })
    };
    let folded = fold(pool, projection, bound, skipped, chunks).await;
    let cancelled = writer
        .await
        .map_err(|error| RebuildError::Interrupted(error.to_string()))??;
    folded?;
    Ok(cancelled)
}

async fn fold(
    pool: &PgPool,
    projection: &'static dyn Projection,
    bound: Bound,
    skipped: &HashSet<i64>,
    chunks: mpsc::Sender<Chunk>,
) -> Result<(), RebuildError> {
    let sql = format!(
        "SELECT {LOGGED_COLUMNS} FROM {LOGGED_FROM} \
         WHERE e.transaction_id < $1::text::xid8 AND {} \
         ORDER BY e.stream_id, e.version",
        Reads::condition(2)
    );
    let mut conn = pool.acquire().await?;
    let mut rows = projection
        .reads()
        .bind(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(bound.xmin.to_string()))
        .fetch(&mut *conn);
    let mut chunk = Chunk {
        rows: projection.bulk(),
        events: 0,
        parked: Vec::new(),
    };
    let mut stream: Option<Uuid> = None;
    let mut stream_parked = false;
    while let Some(row) = rows.try_next().await? {
        let event = Logged::from_row(&row)?;
        if stream != Some(event.stream_id) {
            if chunk.rows.held() >= FLUSH_STREAMS {
                let full = std::mem::replace(
                    &mut chunk,
                    Chunk {
                        rows: projection.bulk(),
                        events: 0,
                        parked: Vec::new(),
                    },
                );
                if chunks.send(full).await.is_err() {
                    // The writer stopped (an error or a cancel): it tells why.
                    return Ok(());
                }
            }
            stream = Some(event.stream_id);
            stream_parked = false;
        }
        chunk.events += 1;
        if stream_parked || skipped.contains(&event.checkpoint.position) {
            continue;
        }
        match event.decode_or_poison() {
            Ok(decoded) => chunk.rows.add(&decoded),
            Err((poison, error)) => {
                stream_parked = true;
                chunk.parked.push((poison, error.to_string()));
            }
        }
    }
    let _ = chunks.send(chunk).await;
    Ok(())
}
