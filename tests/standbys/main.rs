//! Reads served by a hot standby (`DATABASE_READ_URL`), against a PostgreSQL primary and
//! standby this binary starts for itself ([`cluster`]): read-your-writes on the standby, the
//! fallback when it is late, a standby that stops, and SSE-then-read.

mod cluster;
#[path = "../support/mod.rs"]
mod support;
mod system;

mod routing;
