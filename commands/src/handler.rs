//! Command handling: load the stream (unless the command starts it), let the domain decide,
//! append what it decided.

use crate::error::{CommandError, StoreError};
use crate::idempotency::{self, AnswerTemplate, IdempotencyRecord, StoredResponse};
use crate::metadata::EventMetadata;
use crate::store::{AppendOutcome, EventStore, Loaded, NewEvents, SideWrite};
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

/// What running a command came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Executed {
    /// The command ran now.
    Ran {
        /// What it did.
        outcome: CommandOutcome,
        /// Its answer, when it came with a template.
        answer: Option<Answer>,
    },
    /// Its idempotency key had been answered before: nothing ran, this is the answer stored.
    AnsweredBefore(StoredResponse),
}

impl Executed {
    /// What the command did, if it ran now.
    pub fn outcome(&self) -> Option<&CommandOutcome> {
        match self {
            Executed::Ran { outcome, .. } => Some(outcome),
            Executed::AnsweredBefore(_) => None,
        }
    }
}

/// A command's answer, made from its template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The answer.
    pub response: StoredResponse,
    /// Whether it is stored under the command's idempotency key already (in the append).
    pub stored: bool,
}

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
    /// A row to write with the events (only if events are appended).
    pub side_write: Option<SideWrite>,
    /// What the command answers, its `version` and `position` still to fill in.
    pub answer: Option<AnswerTemplate>,
    /// The idempotency key's record, under which the answer is stored with the events.
    pub idempotency: Option<IdempotencyRecord>,
    /// Whether `stream_id` was minted for this command ([`Command::on_a_new_stream`]): such a
    /// stream has no events, so none are loaded. The append (at version 0) would still meet
    /// any there were, and the command would then be decided again on what it loads.
    new_stream: bool,
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
            side_write: None,
            answer: None,
            idempotency: None,
            new_stream: false,
        }
    }

    /// A command that starts a stream of its own, under an id minted here (a UUIDv7); its
    /// stream is not loaded, as it can hold no events yet. The id is `stream_id`.
    pub fn on_a_new_stream(command: A::Command, actor: Actor, correlation_id: Uuid) -> Self {
        Self {
            new_stream: true,
            ..Self::new(Uuid::now_v7(), command, actor, correlation_id)
        }
    }

    /// Only if the stream is at this version (`If-Match`).
    pub fn expecting(mut self, version: Option<i64>) -> Self {
        self.expected_version = version;
        self
    }

    /// With a row that must commit with the events.
    pub fn with_side_write(mut self, write: SideWrite) -> Self {
        self.side_write = Some(write);
        self
    }

    /// Answering with `template`, filled in from the outcome.
    pub fn answering(mut self, template: AnswerTemplate) -> Self {
        self.answer = Some(template);
        self
    }

    /// Storing its answer under an idempotency key, in the statement that appends its events;
    /// the key also goes into the events' metadata.
    pub fn idempotent(mut self, record: IdempotencyRecord) -> Self {
        self.metadata.idempotency_key = Some(record.key.clone());
        self.idempotency = Some(record);
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
    pub async fn execute<A>(&self, command: Command<A>) -> Result<Executed, CommandError<A::Error>>
    where
        A: Aggregate,
        A::Command: Clone,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            // Only the first try trusts that a new stream is empty.
            let load = !command.new_stream || attempt > 1;
            match self.try_once(&command, load).await {
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
        load: bool,
    ) -> Result<Executed, CommandError<A::Error>>
    where
        A: Aggregate,
        A::Command: Clone,
    {
        // One connection for the load and the append: the pool checks it once.
        let mut connection = self
            .store
            .pool()
            .acquire()
            .await
            .map_err(StoreError::from)?;
        let loaded = if load {
            self.store
                .load_on::<A>(&mut connection, command.stream_id)
                .await?
        } else {
            Loaded::empty()
        };
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
            let outcome = CommandOutcome {
                version: loaded.version,
                position: loaded.position,
                appended: 0,
            };
            return Ok(command.ran(outcome, None));
        }
        let new = NewEvents {
            side_write: command.side_write.as_ref(),
            answer: command.idempotency.as_ref().zip(command.answer.as_ref()),
            ..NewEvents::new(
                A::STREAM_TYPE,
                command.stream_id,
                loaded.version,
                &events,
                &command.metadata,
            )
        };
        let appended = self.store.append_on(&mut connection, &new).await;
        drop(connection);
        let (appended, stored) = match appended {
            Ok(AppendOutcome::Appended { appended, answer }) => (appended, answer),
            Ok(AppendOutcome::AnsweredBefore(stored)) => {
                return Ok(Executed::AnsweredBefore(stored));
            }
            // Another request with the key committed while this one appended (only possible
            // without the Redis marker): its answer is the one to give.
            Err(StoreError::DuplicateRequest) => return self.answered_meanwhile(command).await,
            Err(error) => return Err(error.into()),
        };
        if let Some(hook) = &self.on_commit {
            hook(appended.position);
        }
        let outcome = CommandOutcome {
            version: appended.version,
            position: appended.position,
            appended: events.len(),
        };
        Ok(command.ran(outcome, stored))
    }

    async fn answered_meanwhile<A: Aggregate>(
        &self,
        command: &Command<A>,
    ) -> Result<Executed, CommandError<A::Error>> {
        let record = command
            .idempotency
            .as_ref()
            .ok_or(StoreError::DuplicateRequest)?;
        match idempotency::find(self.store.pool(), &record.scope, &record.key).await? {
            Some((stored, _)) => Ok(Executed::AnsweredBefore(stored)),
            None => Err(StoreError::DuplicateRequest.into()),
        }
    }
}

impl<A: Aggregate> Command<A> {
    /// What this command came to after running: its answer is the one `stored` with its
    /// events, or else made from its template now.
    fn ran(&self, outcome: CommandOutcome, stored: Option<StoredResponse>) -> Executed {
        let answer = match stored {
            Some(response) => Some(Answer {
                response,
                stored: true,
            }),
            None => self.answer.as_ref().map(|template| Answer {
                response: template.render(
                    self.idempotency
                        .as_ref()
                        .map_or("", |record| record.fingerprint.as_str()),
                    outcome.version,
                    outcome.position,
                ),
                stored: false,
            }),
        };
        Executed::Ran { outcome, answer }
    }
}
