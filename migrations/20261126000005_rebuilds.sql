-- Blue-green rebuilds: a projection is rebuilt from position 0 into a shadow schema while the
-- live schema keeps serving and advancing; when the shadow has caught up, one transaction
-- swaps the two schemas and the projection's checkpoint.

-- One rebuild per projection at a time, with its progress.
CREATE TABLE projection_rebuilds (
    name           text PRIMARY KEY,
    state          text NOT NULL CHECK (state IN ('running', 'cancelling', 'done', 'cancelled', 'failed')),
    shadow         text NOT NULL,
    transaction_id xid8 NOT NULL DEFAULT '0',
    position       bigint NOT NULL DEFAULT 0,
    events_done    bigint NOT NULL DEFAULT 0,
    events_total   bigint NOT NULL DEFAULT 0,
    started_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    error          text
);

-- An empty copy of a projection's schema: every table with its columns, defaults,
-- constraints, generated columns and indexes.
CREATE FUNCTION projection_shadow_create(live text, shadow text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', shadow);
    EXECUTE format('CREATE SCHEMA %I', shadow);
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = live LOOP
        EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING ALL)', shadow, t.tablename, live, t.tablename);
    END LOOP;
END;
$$;

-- The swap: the shadow takes the live schema's name; the old one is kept as `retired` until
-- the readers still using it are done, then dropped.
CREATE FUNCTION projection_shadow_swap(live text, shadow text, retired text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', retired);
    EXECUTE format('ALTER SCHEMA %I RENAME TO %I', live, retired);
    EXECUTE format('ALTER SCHEMA %I RENAME TO %I', shadow, live);
END;
$$;
