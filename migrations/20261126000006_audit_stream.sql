-- Admin actions (key rotations, skipped events) are recorded as events of an `audit` stream.
ALTER TABLE events DROP CONSTRAINT events_stream_type_check;
ALTER TABLE events ADD CONSTRAINT events_stream_type_check
    CHECK (stream_type IN ('creature', 'user', 'tag', 'audit'));
