//! The read side of Bestiary. It will own the projectors that turn the event log into read
//! tables (creatures, tags, users), the queries the API serves from those tables, and the
//! blue-green rebuild of a projection from position 0. Nothing lives here yet: the read side
//! arrives with the worker (issue 3).
