//! The read side against a real PostgreSQL: ordering, failures, idempotency and queries.

mod fixture;
mod generated;

mod following;
mod ordering;
mod parked;
mod queries;
mod rebuild;
