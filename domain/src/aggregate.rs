//! The shape every aggregate has: fold events into state, decide commands into events.

use crate::actor::Actor;
use crate::event::DomainEvent;

/// An event-sourced aggregate: a state that only changes by applying its own events.
pub trait Aggregate: Default + Sized {
    /// The stream type stored beside each of its events (`creature`, `user`, `tag`).
    const STREAM_TYPE: &'static str;
    /// What may be asked of it, in the imperative.
    type Command;
    /// What happened to it, in the past tense.
    type Event: DomainEvent;
    /// Why a command was refused.
    type Error: std::error::Error;

    /// Decides what a command means for the current state, without side effects.
    fn decide(
        &self,
        actor: &Actor,
        command: Self::Command,
    ) -> Result<Vec<Self::Event>, Self::Error>;

    /// Applies one event to the state.
    fn evolve(self, event: &Self::Event) -> Self;

    /// Folds a stream's events, oldest first, into its current state.
    fn fold<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self
    where
        Self::Event: 'a,
    {
        events.into_iter().fold(Self::default(), Self::evolve)
    }
}
