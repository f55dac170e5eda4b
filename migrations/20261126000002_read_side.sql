-- The read side: projection checkpoints and the read tables each projection owns. Everything
-- here is derived from `events` and can be rebuilt from it.

-- Where each projection stands. Projections read events in commit-safe order, by
-- (transaction_id, position): see projections/src/reader.rs.
CREATE TABLE projection_checkpoints (
    name            text PRIMARY KEY,
    transaction_id  xid8 NOT NULL DEFAULT '0',
    position        bigint NOT NULL DEFAULT 0,
    -- How many events it has applied.
    events_applied  bigint NOT NULL DEFAULT 0,
    state           text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'failed')),
    -- When failed: the event it stopped at and why.
    failed_position bigint,
    failed_reason   text,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

INSERT INTO projection_checkpoints (name) VALUES ('creatures'), ('tags'), ('users');

-- The creatures projection: what the gallery lists and a creature page shows.
CREATE SCHEMA proj_creatures;

CREATE TABLE proj_creatures.creatures (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL,
    species             text NOT NULL,
    description         text NOT NULL,
    traits              jsonb NOT NULL,
    owner_id            uuid NOT NULL,
    avatar_state        text NOT NULL DEFAULT 'none'
                        CHECK (avatar_state IN ('none', 'pending', 'ready', 'failed')),
    avatar_request_id   uuid,
    avatar_sha256       text,
    avatar_content_type text,
    avatar_failure      text,
    archived            boolean NOT NULL DEFAULT false,
    -- The stream version and global position of the last event applied.
    version             integer NOT NULL,
    last_position       bigint NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    search              tsvector GENERATED ALWAYS AS (
                            setweight(to_tsvector('english', name), 'A')
                            || setweight(to_tsvector('english', species), 'B')
                            || setweight(to_tsvector('english', description), 'C')
                        ) STORED
);

-- Keyset pagination: newest first, ties broken by id.
CREATE INDEX creatures_listing ON proj_creatures.creatures (created_at DESC, id DESC) WHERE NOT archived;
CREATE INDEX creatures_search ON proj_creatures.creatures USING gin (search);
CREATE INDEX creatures_species ON proj_creatures.creatures (lower(species));
CREATE INDEX creatures_owner ON proj_creatures.creatures (owner_id);

CREATE TABLE proj_creatures.creature_tags (
    creature_id uuid NOT NULL,
    tag_id      uuid NOT NULL,
    PRIMARY KEY (creature_id, tag_id)
);

CREATE INDEX creature_tags_tag ON proj_creatures.creature_tags (tag_id);

-- Names of tags and owners, joined at query time so events of other streams may arrive in any
-- order.
CREATE TABLE proj_creatures.tags (
    id      uuid PRIMARY KEY,
    name    text NOT NULL,
    deleted boolean NOT NULL DEFAULT false,
    version integer NOT NULL
);

CREATE INDEX creatures_tags_name ON proj_creatures.tags (lower(name)) WHERE NOT deleted;

CREATE TABLE proj_creatures.owners (
    id           uuid PRIMARY KEY,
    display_name text NOT NULL
);

-- The tags projection: tags with the number of (unarchived) creatures carrying them.
CREATE SCHEMA proj_tags;

CREATE TABLE proj_tags.tags (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL,
    deleted    boolean NOT NULL DEFAULT false,
    version    integer NOT NULL
);

-- The version of each creature's last tag-related event applied, so an event applied twice
-- changes nothing.
CREATE TABLE proj_tags.creatures (
    id      uuid PRIMARY KEY,
    version integer NOT NULL
);

-- Which unarchived creature carries which tag (archiving a creature removes its rows).
CREATE TABLE proj_tags.memberships (
    creature_id uuid NOT NULL,
    tag_id      uuid NOT NULL,
    PRIMARY KEY (tag_id, creature_id)
);

CREATE INDEX memberships_creature ON proj_tags.memberships (creature_id);

-- The users projection: users without secrets.
CREATE SCHEMA proj_users;

CREATE TABLE proj_users.users (
    id           uuid PRIMARY KEY,
    email        text NOT NULL,
    display_name text NOT NULL,
    role         text NOT NULL,
    version      integer NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
