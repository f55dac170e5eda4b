//! Everything the SPA knows of the HTTP API: the client, the answers' shapes, problem+json
//! errors and idempotency keys.

mod client;
mod idempotency;
mod problem;
pub mod types;

pub use client::{Api, CommandRequest};
pub use idempotency::IdempotencyKeys;
pub use problem::{ApiFailure, FieldErrors};
