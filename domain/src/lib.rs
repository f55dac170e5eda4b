//! The pure domain of Bestiary: what may happen to a creature, a user or a tag, decided
//! without any I/O.
//!
//! Each aggregate ([`creature`], [`user`], [`tag`]) has a state folded from its events, a
//! `Command` enum in the imperative, an `Event` enum in the past tense, an error enum, and two
//! functions in the shape of the [`Aggregate`] trait: `decide` (state + command → events or an
//! error) and `evolve` (state + event → state). Untrusted input becomes a value in [`values`]
//! by parsing, so nothing invalid can reach an event. [`DomainEvent`] gives every event its
//! stored type name and schema version and upcasts payloads written by older versions.
//!
//! The crate compiles for `wasm32-unknown-unknown`, so the SPA folds the same events.

pub mod actor;
pub mod aggregate;
pub mod audit;
pub mod creature;
pub mod event;
pub mod ids;
pub mod tag;
pub mod user;
pub mod values;

pub use actor::{Actor, Role};
pub use aggregate::Aggregate;
pub use event::{DecodeError, DomainEvent, UniqueClaim, UniqueSet};
pub use ids::{CreatureId, TagId, UserId};
