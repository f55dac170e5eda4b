-- An append in one round trip: `append_to_stream` checks the expected version, inserts the
-- events, applies their uniqueness claims and releases, moves the session epoch, writes the
-- password hash and stores the idempotency answer, all in the one statement that calls it and
-- so in that statement's own transaction (`commands/src/store/append.rs` calls it outside any
-- explicit transaction). As in message-db's `write_message` and Marten's QuickAppend, the
-- client pays one round trip and one commit.
--
-- Refusals are raised with SQLSTATEs of class `BS`, each with the detail the caller needs:
--   BS409  the stream is not at the expected version        DETAIL: the actual version
--   BS423  a unique value is held by another stream         DETAIL: the unique set's name
--   BS412  another request answered this idempotency key    (it committed meanwhile)
--   BS428  called in a transaction that already wrote       (the events must be its first write)
-- Two appenders racing for one version still meet `events_stream_version_unique`
-- (unique_violation), which the caller maps to the same conflict as BS409.
--
-- A key whose live answer is stored is not an error: nothing is written, and the row comes
-- back with `already_answered` and that answer, for the caller to replay.

-- Stores a command's answer under its idempotency key, unless a live one is stored: NULL when
-- it stored this one, else the live answer found. Called on its own for commands that append
-- nothing (the caller replays the answer found), and by `append_to_stream` for those that do.
CREATE FUNCTION store_answer(
    p_scope        text,
    p_key          text,
    p_fingerprint  text,
    p_status       smallint,
    p_content_type text,
    p_location     text,
    p_body         text,
    p_keep_seconds float8
) RETURNS idempotency_keys LANGUAGE plpgsql AS $$
DECLARE
    found_answer idempotency_keys;
BEGIN
    INSERT INTO idempotency_keys
        (scope, key, fingerprint, status, content_type, location, body, expires_at)
    VALUES (p_scope, p_key, p_fingerprint, p_status, p_content_type, p_location, p_body,
            now() + p_keep_seconds * interval '1 second')
    ON CONFLICT (scope, key) DO UPDATE
        SET fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status,
            content_type = EXCLUDED.content_type, location = EXCLUDED.location,
            body = EXCLUDED.body, created_at = now(), expires_at = EXCLUDED.expires_at
        WHERE idempotency_keys.expires_at <= now();
    IF FOUND THEN
        RETURN NULL;
    END IF;
    -- A new snapshot: the live row that refused ours is visible, even if it committed after
    -- this statement began.
    SELECT * INTO found_answer FROM idempotency_keys WHERE scope = p_scope AND key = p_key;
    RETURN found_answer;
END;
$$;

CREATE FUNCTION append_to_stream(
    p_stream_id        uuid,
    p_stream_type      text,
    p_expected_version integer,
    -- One element per event, in order.
    p_event_ids        uuid[],
    p_event_types      text[],
    p_schema_versions  smallint[],
    p_payloads         jsonb[],
    -- The events' metadata.
    p_actor_kind       text,
    p_actor_id         uuid,
    p_correlation_id   uuid,
    p_causation_id     uuid,
    p_idempotency_key  text,
    -- Uniqueness: one element per claim ('claim') or release ('release'), in the events' order.
    p_claim_ops        text[],
    p_claim_sets       text[],
    p_claim_keys       text[],
    -- How many of the events end the stream's user's sessions.
    p_sessions_ended   integer,
    -- A user's new bcrypt hash, if one of the events sets it.
    p_password_user    uuid,
    p_password_hash    text,
    -- The idempotency key (NULL: none) and its answer. The answer's body is a JSON object
    -- whose top-level `version` and `position`, where present, are filled in here.
    p_answer_scope     text,
    p_answer_key       text,
    p_answer_fingerprint text,
    p_answer_status    smallint,
    p_answer_content_type text,
    p_answer_location  text,
    p_answer_body      jsonb,
    p_answer_keep_seconds float8,
    -- What the call did: the stream's new version and last position, and the answer stored
    -- (or, with `already_answered`, the one found, and nothing written).
    OUT version        integer,
    OUT last_position  bigint,
    OUT already_answered boolean,
    OUT answer_fingerprint text,
    OUT answer_status  smallint,
    OUT answer_content_type text,
    OUT answer_location text,
    OUT answer_body    text
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    actual  integer;
    found_answer idempotency_keys;
    body    jsonb;
    claimed integer;
BEGIN
    -- Readers order events by (transaction id, position); that follows each stream's versions
    -- only if the transaction id is taken by the events insert, after the previous version
    -- committed. So the insert below must be the transaction's first write.
    IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
        RAISE EXCEPTION 'append_to_stream must be its transaction''s first write'
            USING ERRCODE = 'BS428';
    END IF;
    already_answered := false;
    IF p_answer_key IS NOT NULL THEN
        SELECT * INTO found_answer FROM idempotency_keys
        WHERE scope = p_answer_scope AND key = p_answer_key AND expires_at > now();
        IF FOUND THEN
            already_answered := true;
            answer_fingerprint := found_answer.fingerprint;
            answer_status := found_answer.status;
            answer_content_type := found_answer.content_type;
            answer_location := found_answer.location;
            answer_body := found_answer.body;
            RETURN;
        END IF;
    END IF;
    -- A new stream (expected version 0) needs no look: versions start at 1 without gaps, so
    -- the insert of version 1 meets `events_stream_version_unique` if the stream has events.
    IF p_expected_version > 0 THEN
        SELECT COALESCE(MAX(e.version), 0) INTO actual
        FROM events e WHERE e.stream_id = p_stream_id;
        IF actual <> p_expected_version THEN
            RAISE EXCEPTION 'stream % is at version %, not %', p_stream_id, actual,
                p_expected_version
                USING ERRCODE = 'BS409', DETAIL = actual::text;
        END IF;
    END IF;

    INSERT INTO events (event_id, stream_id, stream_type, version, event_type, schema_version,
                        payload, actor_kind, actor_id, correlation_id, causation_id,
                        idempotency_key)
    SELECT e.event_id, p_stream_id, p_stream_type, p_expected_version + e.n, e.event_type,
           e.schema_version, e.payload, p_actor_kind, p_actor_id, p_correlation_id,
           p_causation_id, p_idempotency_key
    FROM UNNEST(p_event_ids, p_event_types, p_schema_versions, p_payloads)
         WITH ORDINALITY AS e(event_id, event_type, schema_version, payload, n)
    ORDER BY e.n;
    version := p_expected_version + cardinality(p_event_ids);
    last_position := lastval();

    FOR i IN 1 .. COALESCE(cardinality(p_claim_ops), 0) LOOP
        IF p_claim_ops[i] = 'claim' THEN
            INSERT INTO unique_keys (set_name, key, stream_id)
            VALUES (p_claim_sets[i], p_claim_keys[i], p_stream_id)
            ON CONFLICT (set_name, key) DO NOTHING;
            GET DIAGNOSTICS claimed = ROW_COUNT;
            IF claimed = 0 THEN
                RAISE EXCEPTION 'a value of % is taken', p_claim_sets[i]
                    USING ERRCODE = 'BS423', DETAIL = p_claim_sets[i];
            END IF;
        ELSE
            DELETE FROM unique_keys
            WHERE set_name = p_claim_sets[i] AND key = p_claim_keys[i]
              AND stream_id = p_stream_id;
        END IF;
    END LOOP;

    IF p_sessions_ended > 0 THEN
        INSERT INTO session_epochs (user_id, epoch) VALUES (p_stream_id, p_sessions_ended)
        ON CONFLICT (user_id) DO UPDATE
            SET epoch = session_epochs.epoch + EXCLUDED.epoch, changed_in = pg_current_xact_id();
    END IF;

    IF p_password_hash IS NOT NULL THEN
        INSERT INTO password_hashes (user_id, hash) VALUES (p_password_user, p_password_hash)
        ON CONFLICT (user_id) DO UPDATE SET hash = EXCLUDED.hash, updated_at = now();
    END IF;

    IF p_answer_key IS NOT NULL THEN
        body := p_answer_body;
        IF body ? 'version' THEN
            body := jsonb_set(body, '{version}', to_jsonb(version));
        END IF;
        IF body ? 'position' THEN
            body := jsonb_set(body, '{position}', to_jsonb(last_position));
        END IF;
        found_answer := store_answer(p_answer_scope, p_answer_key, p_answer_fingerprint,
                                     p_answer_status, p_answer_content_type, p_answer_location,
                                     body::text, p_answer_keep_seconds);
        IF found_answer.key IS NOT NULL THEN
            RAISE EXCEPTION 'idempotency key % was answered meanwhile', p_answer_key
                USING ERRCODE = 'BS412';
        END IF;
        answer_fingerprint := p_answer_fingerprint;
        answer_status := p_answer_status;
        answer_content_type := p_answer_content_type;
        answer_location := p_answer_location;
        answer_body := body::text;
    END IF;
END;
$$;
