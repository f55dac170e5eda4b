//! The read side against a real PostgreSQL: ordering, failures, idempotency and queries.

mod fixture;

mod failures;
mod ordering;
mod queries;
mod rebuild;
