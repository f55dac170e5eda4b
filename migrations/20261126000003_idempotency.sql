-- Idempotency: the outcome of each command sent with an `Idempotency-Key`, so a retry replays
-- it instead of acting twice. A command's row is written in the same transaction as its
-- events; outcomes without events (refusals, no-ops) are written right after.
CREATE TABLE idempotency_keys (
    -- Whose key it is: `user:<id>`, `anonymous:<client fingerprint>` or `system`.
    scope        text NOT NULL,
    key          text NOT NULL,
    -- HMAC of the request (method, path, body), keyed by SECRET_KEY: a different request with
    -- the same key is refused, and the stored value reveals nothing of the body.
    fingerprint  text NOT NULL,
    status       smallint NOT NULL,
    content_type text NOT NULL,
    location     text,
    body         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
