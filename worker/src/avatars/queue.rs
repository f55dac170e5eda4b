//! The job stream on Redis: append, read as a member of the consumer group, reclaim, ack.

use redis::aio::MultiplexedConnection;
use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use std::time::Duration;
use uuid::Uuid;

/// The consumer group all workers join.
pub const GROUP: &str = "avatar-workers";

/// One avatar job: generate the avatar of a creature for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job {
    /// The creature.
    pub creature: Uuid,
    /// The avatar request it answers.
    pub request: Uuid,
}

/// The stream's key.
pub fn stream(prefix: &str) -> String {
    format!("{prefix}:avatar-jobs")
}

/// Connects (within two seconds).
pub async fn connect(client: &redis::Client) -> redis::RedisResult<MultiplexedConnection> {
    tokio::time::timeout(
        Duration::from_secs(2),
        client.get_multiplexed_async_connection(),
    )
    .await
    .map_err(|_| redis::RedisError::from((redis::ErrorKind::Io, "connect timed out")))?
}

/// Joins the consumer group, creating the group (never the stream) if it is missing; whether
/// the stream exists. Only the dispatcher creates the stream, when it enqueues again every
/// unfinished request ([`recreate`]): a stream created by anyone else would hide a Redis that
/// lost its data from the dispatcher, and the lost jobs would never run.
pub async fn join_group(
    connection: &mut MultiplexedConnection,
    stream: &str,
) -> redis::RedisResult<bool> {
    let created: redis::RedisResult<()> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream)
        .arg(GROUP)
        .arg("0")
        .query_async(connection)
        .await;
    match created {
        Ok(()) => Ok(true),
        Err(error) if error.code() == Some("BUSYGROUP") => Ok(true),
        // Without MKSTREAM, a missing stream is an error (of no code of its own).
        Err(error) if exists(connection, stream).await? => Err(error),
        Err(_) => Ok(false),
    }
}

/// Whether the stream exists.
pub async fn exists(
    connection: &mut MultiplexedConnection,
    stream: &str,
) -> redis::RedisResult<bool> {
    redis::cmd("EXISTS")
        .arg(stream)
        .query_async(connection)
        .await
}

/// Creates the stream and its group holding `jobs`, at once (one transaction): either all of
/// it is there or none, so a stream that exists holds the jobs it was recreated with.
pub async fn recreate(
    connection: &mut MultiplexedConnection,
    stream: &str,
    jobs: &[Job],
) -> redis::RedisResult<()> {
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("XGROUP")
        .arg("CREATE")
        .arg(stream)
        .arg(GROUP)
        .arg("0")
        .arg("MKSTREAM")
        .ignore();
    for job in jobs {
        add(&mut pipe, stream, job, &[]).ignore();
    }
    pipe.query_async(connection).await
}

/// Appends jobs to the stream, which must exist: an append never creates it (that would hide
/// its loss from the dispatcher, see [`join_group`]), and fails if it is missing.
pub async fn push(
    connection: &mut MultiplexedConnection,
    stream: &str,
    jobs: &[Job],
) -> redis::RedisResult<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let mut pipe = redis::pipe();
    for job in jobs {
        add(&mut pipe, stream, job, &["NOMKSTREAM"]);
    }
    // Without MKSTREAM, an append to a missing stream answers nil instead of an entry's id.
    let ids: Vec<Option<String>> = pipe.query_async(connection).await?;
    if ids.iter().any(Option::is_none) {
        return Err(redis::RedisError::from((
            redis::ErrorKind::Client,
            "the avatar job stream is missing",
        )));
    }
    Ok(())
}

/// Adds `XADD <stream> <options> * creature … request …` of one job to `pipe`.
fn add<'a>(
    pipe: &'a mut redis::Pipeline,
    stream: &str,
    job: &Job,
    options: &[&str],
) -> &'a mut redis::Pipeline {
    pipe.cmd("XADD")
        .arg(stream)
        .arg(options)
        .arg("*")
        .arg("creature")
        .arg(job.creature.to_string())
        .arg("request")
        .arg(job.request.to_string())
}

fn job_of(entry: &StreamId) -> Option<(String, Job)> {
    let creature: String = entry.get("creature")?;
    let request: String = entry.get("request")?;
    Some((
        entry.id.clone(),
        Job {
            creature: Uuid::parse_str(&creature).ok()?,
            request: Uuid::parse_str(&request).ok()?,
        },
    ))
}

/// Waits up to `block` for a new job for `consumer`.
pub async fn read(
    connection: &mut MultiplexedConnection,
    stream: &str,
    consumer: &str,
    block: Duration,
) -> redis::RedisResult<Vec<(String, Job)>> {
    let reply: Option<StreamReadReply> = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg(GROUP)
        .arg(consumer)
        .arg("COUNT")
        .arg(1)
        .arg("BLOCK")
        .arg(block.as_millis() as u64)
        .arg("STREAMS")
        .arg(stream)
        .arg(">")
        .query_async(connection)
        .await?;
    Ok(reply
        .into_iter()
        .flat_map(|reply| reply.keys)
        .flat_map(|key| key.ids)
        .filter_map(|entry| job_of(&entry))
        .collect())
}

/// Takes over jobs that another consumer left unacknowledged for `idle`.
pub async fn reclaim(
    connection: &mut MultiplexedConnection,
    stream: &str,
    consumer: &str,
    idle: Duration,
) -> redis::RedisResult<Vec<(String, Job)>> {
    let reply: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
        .arg(stream)
        .arg(GROUP)
        .arg(consumer)
        .arg(idle.as_millis() as u64)
        .arg("0-0")
        .arg("COUNT")
        .arg(10)
        .query_async(connection)
        .await?;
    Ok(reply.claimed.iter().filter_map(job_of).collect())
}

/// Acknowledges a job and removes it from the stream.
pub async fn ack(
    connection: &mut MultiplexedConnection,
    stream: &str,
    id: &str,
) -> redis::RedisResult<()> {
    redis::pipe()
        .cmd("XACK")
        .arg(stream)
        .arg(GROUP)
        .arg(id)
        .ignore()
        .cmd("XDEL")
        .arg(stream)
        .arg(id)
        .ignore()
        .query_async(connection)
        .await
}
