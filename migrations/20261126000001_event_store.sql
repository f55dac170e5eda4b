-- The event store: the one source of truth of Bestiary. Everything else is derived from it.

-- Every event ever recorded, in one global order.
CREATE TABLE events (
    -- The global position: assigned at insert, only grows (gaps from rolled-back
    -- transactions are possible; readers must not assume positions commit in order).
    position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid NOT NULL UNIQUE,
    stream_id       uuid NOT NULL,
    stream_type     text NOT NULL CHECK (stream_type IN ('creature', 'user', 'tag')),
    -- The version of the stream after this event: 1, 2, 3, … without gaps.
    version         integer NOT NULL CHECK (version > 0),
    event_type      text NOT NULL,
    schema_version  smallint NOT NULL CHECK (schema_version > 0),
    payload         jsonb NOT NULL,
    -- Metadata: who did it, which request it belongs to, what caused it.
    actor_kind      text NOT NULL CHECK (actor_kind IN ('anonymous', 'user', 'system')),
    actor_id        uuid,
    correlation_id  uuid NOT NULL,
    causation_id    uuid,
    idempotency_key text,
    -- The writing transaction, so readers can tell which positions may still be in flight.
    transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    -- Optimistic concurrency: two writers cannot both append version N of a stream.
    CONSTRAINT events_stream_version_unique UNIQUE (stream_id, version),
    CONSTRAINT events_actor_has_id CHECK ((actor_kind = 'user') = (actor_id IS NOT NULL))
);

-- Projections read in (transaction_id, position) order: see projections/src/reader.rs.
CREATE INDEX events_commit_order ON events (transaction_id, position);

-- Events are never changed or removed.
CREATE FUNCTION events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % is not allowed', TG_OP;
END;
$$;

CREATE TRIGGER events_append_only
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_immutable();

CREATE TRIGGER events_no_truncate
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_immutable();

-- Set-based rules (unique e-mails, unique tag names), claimed and released by the events that
-- take and free a value, in the same transaction as their append. The primary key makes the
-- database, not a read-then-write race, decide who gets a value.
CREATE TABLE unique_keys (
    set_name   text NOT NULL,
    key        text NOT NULL,
    -- The stream that holds the value (the user with that e-mail, the tag with that name).
    stream_id  uuid NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (set_name, key)
);

-- Password hashes (bcrypt), written in the same transaction as the user event that sets them;
-- never part of an event.
CREATE TABLE password_hashes (
    user_id    uuid PRIMARY KEY,
    hash       text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The ids of the JWT signing keys. The key material is derived from SECRET_KEY and the id, so
-- nothing secret is stored here and changing SECRET_KEY invalidates every token.
CREATE TABLE signing_keys (
    kid        text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- Tokens signed with this key are refused after this time (NULL: while it is active).
    expires_at timestamptz
);
