//! Command handling: load the stream, let the domain decide, append what it decided.

use crate::error::{CommandError, StoreError};
use crate::idempotency::{self, IdempotencyRecord, StoredResponse};
use crate::metadata::EventMetadata;
use crate::store::{EventStore, SideWrite};
use domain::{Actor, Aggregate};
use std::sync::Arc;
use uuid::Uuid;

/// Called with the position of the last event after each commit (to tell the worker).
pub type CommitHook = Arc<dyn Fn(i64) + Send + Sync>;

/// How often a command whose caller pinned no version is re-decided after a conflict.
const MAX_ATTEMPTS: usize = 16;

/// What a command did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandOutcome {
    /// The stream's version after the command.
    pub version: i64,
    /// The global position of the command's last event; when it appended nothing, the
    /// position of the stream's last event, so a read at this position still sees the state.
    pub position: i64,
    /// How many events it appended.
    pub appended: usize,
}

/// Builds the response a keyed command answers with, from its outcome, inside the
/// transaction (so the stored answer commits with the events).
pub type Responder = Arc<dyn Fn(&CommandOutcome) -> StoredResponse + Send + Sync>;

/// One command for one stream, with its context.
pub struct Command<A: Aggregate> {
    /// The stream (aggregate id).
    pub stream_id: Uuid,
    /// What to do.
    pub command: A::Command,
    /// Who asks.
    pub actor: Actor,
    /// What goes beside the events.
    pub metadata: EventMetadata,
    /// The version the caller saw (`If-Match`): a mismatch is a conflict, never retried.
    pub expected_version: Option<i64>,
    /// Rows to write in the same transaction as the events (only if events are appended).
    pub side_writes: Vec<SideWrite>,
    /// The idempotency key's record and the answer to store with the events.
    pub idempotency: Option<(IdempotencyRecord, Responder)>,
}

impl<A: Aggregate> Command<A> {
    /// A command on `stream_id` by `actor`, within the request `correlation_id`.
    pub fn new(stream_id: Uuid, command: A::Command, actor: Actor, correlation_id: Uuid) -> Self {
        Self {
            stream_id,
            command,
            actor,
            metadata: EventMetadata::new(&actor, correlation_id),
            expected_version: None,
            side_writes: Vec::new(),
            idempotency: None,
        }
    }

    /// Only if the stream is at this version (`If-Match`).
    pub fn expecting(mut self, version: Option<i64>) -> Self {
        self.expected_version = version;
        self
    }

    /// With a row that must commit with the events.
    pub fn with_side_write(mut self, write: SideWrite) -> Self {
        self.side_writes.push(write);
        self
    }

    /// Recording its outcome under an idempotency key, in the transaction of its events; the
    /// key also goes into the events' metadata.
    pub fn idempotent(mut self, record: IdempotencyRecord, responder: Responder) -> Self {
        self.metadata.idempotency_key = Some(record.key.clone());
        self.idempotency = Some((record, responder));
        self
    }
}

/// Runs commands against the event store.
#[derive(Clone)]
pub struct CommandHandler {
    store: EventStore,
    on_commit: Option<CommitHook>,
}

impl std::fmt::Debug for CommandHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandHandler")
            .field("store", &self.store)
            .field("on_commit", &self.on_commit.is_some())
            .finish()
    }
}

impl CommandHandler {
    /// A handler over the given store.
    pub fn new(store: EventStore) -> Self {
        Self {
            store,
            on_commit: None,
        }
    }

    /// The same handler, calling `hook` with the last position after each commit.
    pub fn with_commit_hook(mut self, hook: CommitHook) -> Self {
        self.on_commit = Some(hook);
        self
    }

    /// The store underneath.
    pub fn store(&self) -> &EventStore {
        &self.store
    }

    /// Load → decide → append. Without an expected version a conflict means another writer
    /// won the race: the command is decided again on the new state, a few times. With one,
    /// the conflict is the caller's to resolve.
    pub async fn execute<A>(
        &self,
        command: Command<A>,
    ) -> Result<CommandOutcome, CommandError<A::Error>>
    where
        A: Aggregate,
        A::Command: Clone,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_once(&command).await {
                Err(CommandError::Store(StoreError::Conflict { .. }))
                    if command.expected_version.is_none() && attempt < MAX_ATTEMPTS =>
                {
                    tracing::debug!(stream = %command.stream_id, attempt, "version conflict, deciding again");
                }
                outcome => return outcome,
            }
        }
    }

    async fn try_once<A>(
        &self,
        command: &Command<A>,
    ) -> Result<CommandOutcome, CommandError<A::Error>>
    where
        A: Aggregate,
        A::Command: Clone,
    {
        let loaded = self.store.load::<A>(command.stream_id).await?;
        // A stream that does not exist is the domain's to refuse (not found), not a conflict.
        if let Some(expected) = command.expected_version
            && loaded.version > 0
            && expected != loaded.version
        {
            return Err(StoreError::Conflict {
                stream_id: command.stream_id,
                expected,
                actual: loaded.version,
            }
            .into());
        }
        let events = loaded
            .state
            .decide(&command.actor, command.command.clone())
            .map_err(CommandError::Rejected)?;
        if events.is_empty() {
            return Ok(CommandOutcome {
                version: loaded.version,
                position: loaded.position,
                appended: 0,
            });
        }
        let mut tx = self.store.begin().await?;
        let appended = tx
            .append(
                A::STREAM_TYPE,
                command.stream_id,
                loaded.version,
                &events,
                &command.metadata,
            )
            .await?;
        for write in &command.side_writes {
            tx.side_write(write).await?;
        }
        let outcome = CommandOutcome {
            version: appended.version,
            position: appended.position,
            appended: events.len(),
        };
        if let Some((record, responder)) = &command.idempotency
            && !idempotency::save(tx.connection(), record, &responder(&outcome)).await?
        {
            return Err(StoreError::DuplicateRequest.into());
        }
        tx.commit().await?;
        if let Some(hook) = &self.on_commit {
            hook(appended.position);
        }
        Ok(outcome)
    }
}
