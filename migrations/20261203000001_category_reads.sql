-- Reads by category: a projection reads only the stream types and event types it folds
-- (projections/src/reader.rs), each in commit-safe order, so one that folds a small part of
-- the log (users, tags, the avatar dispatcher) no longer scans every event to skip it.
CREATE INDEX events_stream_type_order ON events (stream_type, transaction_id, position);
CREATE INDEX events_event_type_order ON events (event_type, transaction_id, position);
