-- Avatars: generated images, stored once per content (addressed by their SHA-256), and where
-- the avatar job dispatcher stands in the log.
CREATE TABLE avatar_images (
    sha256       text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content_type text NOT NULL,
    bytes        bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Side-effect processors ("reactors") read the log like projections, but act on the world
-- (enqueue jobs) instead of writing read tables, and are never replayed.
CREATE TABLE reactor_checkpoints (
    name           text PRIMARY KEY,
    transaction_id xid8 NOT NULL DEFAULT '0',
    position       bigint NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

INSERT INTO reactor_checkpoints (name) VALUES ('avatar_jobs');
