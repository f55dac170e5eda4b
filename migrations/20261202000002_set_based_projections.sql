-- Set-based projections: a poison event parks its stream instead of stopping the projection,
-- and rebuilds are requested as rows that workers claim, and bulk-loaded.

-- The streams each projection holds on an event it cannot apply (projections/src/parked.rs).
-- One table in each projection's schema, so a rebuild's shadow parks its own and the swap
-- brings them live together with the tables.
CREATE TABLE proj_creatures.parked_streams (
    stream_id  uuid PRIMARY KEY,
    -- The event it stopped at, and why.
    position   bigint NOT NULL,
    event_type text NOT NULL,
    reason     text NOT NULL,
    parked_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE proj_tags.parked_streams (LIKE proj_creatures.parked_streams INCLUDING ALL);
CREATE TABLE proj_users.parked_streams (LIKE proj_creatures.parked_streams INCLUDING ALL);

-- A projection stopped on a poison event before this change: its stream is parked there, and
-- the projection runs on.
INSERT INTO proj_creatures.parked_streams (stream_id, position, event_type, reason)
SELECT e.stream_id, e.position, e.event_type, COALESCE(c.failed_reason, 'stopped here')
FROM projection_checkpoints c JOIN events e ON e.position = c.failed_position
WHERE c.name = 'creatures' AND c.state = 'failed';
INSERT INTO proj_tags.parked_streams (stream_id, position, event_type, reason)
SELECT e.stream_id, e.position, e.event_type, COALESCE(c.failed_reason, 'stopped here')
FROM projection_checkpoints c JOIN events e ON e.position = c.failed_position
WHERE c.name = 'tags' AND c.state = 'failed';
INSERT INTO proj_users.parked_streams (stream_id, position, event_type, reason)
SELECT e.stream_id, e.position, e.event_type, COALESCE(c.failed_reason, 'stopped here')
FROM projection_checkpoints c JOIN events e ON e.position = c.failed_position
WHERE c.name = 'users' AND c.state = 'failed';

ALTER TABLE projection_checkpoints
    DROP COLUMN state, DROP COLUMN failed_position, DROP COLUMN failed_reason;

-- A rebuild can be requested (a worker claims it) before it runs.
ALTER TABLE projection_rebuilds DROP CONSTRAINT projection_rebuilds_state_check;
ALTER TABLE projection_rebuilds ADD CONSTRAINT projection_rebuilds_state_check
    CHECK (state IN ('requested', 'running', 'cancelling', 'done', 'cancelled', 'failed'));

-- The shadow starts as bare tables (columns, defaults, checks, generated columns; no keys or
-- indexes), so the bulk load writes without maintaining indexes.
CREATE OR REPLACE FUNCTION projection_shadow_create(live text, shadow text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', shadow);
    EXECUTE format('CREATE SCHEMA %I', shadow);
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = live LOOP
        EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING ALL EXCLUDING INDEXES)',
                       shadow, t.tablename, live, t.tablename);
    END LOOP;
END;
$$;

-- After the load: the live schema's keys and indexes, built once on the shadow's tables.
CREATE FUNCTION projection_shadow_index(live text, shadow text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    i record;
BEGIN
    FOR i IN
        SELECT t.relname AS tablename, ix.indexrelid, con.conname, con.oid AS constraint_oid
        FROM pg_index ix
        JOIN pg_class t ON t.oid = ix.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        LEFT JOIN pg_constraint con ON con.conindid = ix.indexrelid AND con.contype IN ('p', 'u')
        WHERE n.nspname = live
        ORDER BY con.conname IS NULL, t.relname
    LOOP
        IF i.conname IS NOT NULL THEN
            EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', shadow, i.tablename,
                           i.conname, pg_get_constraintdef(i.constraint_oid));
        ELSE
            EXECUTE regexp_replace(pg_get_indexdef(i.indexrelid),
                                   ' ON ' || quote_ident(live) || '\.',
                                   ' ON ' || quote_ident(shadow) || '.');
        END IF;
    END LOOP;
END;
$$;
