-- Session epochs. Every access token carries the epoch of its user's sessions when it was
-- issued; an event that ends the user's sessions (a role change, a password change, "log out
-- everywhere") moves the epoch on in the same transaction as its append, and a token of an
-- earlier epoch is refused. A user with no row is at epoch 0.
--
-- Every API instance keeps this table in memory (src/auth/sessions.rs): it reads it whole at
-- start, then again only the rows written by transactions that had not finished at its
-- previous read (`changed_in` at or past that read's snapshot xmin), when it is told of a
-- change (the NOTIFY below, or Redis) and once a second in any case.
CREATE TABLE session_epochs (
    user_id    uuid PRIMARY KEY,
    epoch      integer NOT NULL CHECK (epoch > 0),
    -- The transaction that last moved the epoch.
    changed_in xid8 NOT NULL DEFAULT pg_current_xact_id()
);

CREATE INDEX session_epochs_changed_in ON session_epochs (changed_in);

-- Tells listening API instances, on commit, whose sessions ended.
CREATE FUNCTION announce_session_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('bestiary_session_epochs', NEW.user_id::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER session_epochs_announce
    AFTER INSERT OR UPDATE ON session_epochs
    FOR EACH ROW EXECUTE FUNCTION announce_session_epoch();

-- Sessions ended before this table existed: the users' events say how often.
INSERT INTO session_epochs (user_id, epoch)
SELECT stream_id, count(*)
FROM events
WHERE stream_type = 'user' AND event_type IN ('UserRoleChanged', 'UserPasswordChanged')
GROUP BY stream_id;
