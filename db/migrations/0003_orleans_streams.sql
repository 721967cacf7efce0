-- Durable queues for the Orleans ADO.NET stream provider.
-- A queue is (service, provider, queue). Message ids grow with enqueue order *per queue*:
-- enqueues of one queue are serialized by a transaction-scoped advisory lock, so an id can
-- never become visible after a higher id of the same queue was claimed (per-entity order
-- depends on it).
CREATE SEQUENCE orleans_stream_message_id AS bigint;

CREATE TABLE orleans_stream_message (
    serviceid  text        NOT NULL,
    providerid text        NOT NULL,
    queueid    text        NOT NULL,
    messageid  bigint      NOT NULL,
    dequeued   integer     NOT NULL,
    visibleon  timestamptz NOT NULL,
    expireson  timestamptz NOT NULL,
    createdon  timestamptz NOT NULL,
    modifiedon timestamptz NOT NULL,
    payload    bytea,
    PRIMARY KEY (serviceid, providerid, queueid, messageid)
);

CREATE TABLE orleans_stream_dead_letter (
    serviceid  text        NOT NULL,
    providerid text        NOT NULL,
    queueid    text        NOT NULL,
    messageid  bigint      NOT NULL,
    dequeued   integer     NOT NULL,
    visibleon  timestamptz NOT NULL,
    expireson  timestamptz NOT NULL,
    createdon  timestamptz NOT NULL,
    modifiedon timestamptz NOT NULL,
    deadon     timestamptz NOT NULL,
    removeon   timestamptz NOT NULL,
    payload    bytea,
    PRIMARY KEY (serviceid, providerid, queueid, messageid)
);

CREATE INDEX orleans_stream_dead_letter_removal
    ON orleans_stream_dead_letter (serviceid, providerid, queueid, removeon);

-- When each queue may next run its eviction pass.
CREATE TABLE orleans_stream_queue_eviction (
    serviceid  text        NOT NULL,
    providerid text        NOT NULL,
    queueid    text        NOT NULL,
    evicton    timestamptz NOT NULL,
    PRIMARY KEY (serviceid, providerid, queueid)
);

CREATE FUNCTION orleans_stream_enqueue(
    p_serviceid text, p_providerid text, p_queueid text, p_payload bytea, p_expiry_seconds integer)
RETURNS TABLE (serviceid text, providerid text, queueid text, messageid bigint)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(p_serviceid || '/' || p_providerid || '/' || p_queueid, 0));
    RETURN QUERY
    INSERT INTO orleans_stream_message AS m
        (serviceid, providerid, queueid, messageid, dequeued, visibleon, expireson, createdon, modifiedon, payload)
    VALUES (p_serviceid, p_providerid, p_queueid, nextval('orleans_stream_message_id'), 0,
            clock_timestamp(), clock_timestamp() + make_interval(secs => p_expiry_seconds),
            clock_timestamp(), clock_timestamp(), p_payload)
    RETURNING m.serviceid, m.providerid, m.queueid, m.messageid;
END
$fn$;

-- Moves messages that can no longer be delivered to the dead letters, and forgets dead
-- letters whose retention ended. Bounded by p_batch rows of each kind.
CREATE FUNCTION orleans_stream_evict(
    p_serviceid text, p_providerid text, p_queueid text,
    p_max_attempts integer, p_removal_seconds integer, p_batch integer)
RETURNS void
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    v_now timestamptz := clock_timestamp();
BEGIN
    WITH doomed AS (
        SELECT m.messageid
        FROM orleans_stream_message m
        WHERE m.serviceid = p_serviceid AND m.providerid = p_providerid AND m.queueid = p_queueid
          AND m.visibleon <= v_now
          AND (m.dequeued >= p_max_attempts OR m.expireson <= v_now)
        ORDER BY m.messageid
        LIMIT p_batch
        FOR UPDATE SKIP LOCKED
    ), moved AS (
        DELETE FROM orleans_stream_message m
        USING doomed d
        WHERE m.serviceid = p_serviceid AND m.providerid = p_providerid AND m.queueid = p_queueid
          AND m.messageid = d.messageid
        RETURNING m.*
    )
    INSERT INTO orleans_stream_dead_letter
        (serviceid, providerid, queueid, messageid, dequeued, visibleon, expireson, createdon,
         modifiedon, deadon, removeon, payload)
    SELECT moved.serviceid, moved.providerid, moved.queueid, moved.messageid, moved.dequeued,
           moved.visibleon, moved.expireson, moved.createdon, moved.modifiedon,
           v_now, v_now + make_interval(secs => p_removal_seconds), moved.payload
    FROM moved
    ON CONFLICT DO NOTHING;

    DELETE FROM orleans_stream_dead_letter d
    WHERE (d.serviceid, d.providerid, d.queueid, d.messageid) IN (
        SELECT x.serviceid, x.providerid, x.queueid, x.messageid
        FROM orleans_stream_dead_letter x
        WHERE x.serviceid = p_serviceid AND x.providerid = p_providerid AND x.queueid = p_queueid
          AND x.removeon <= v_now
        LIMIT p_batch);
END
$fn$;

CREATE FUNCTION orleans_stream_claim(
    p_serviceid text, p_providerid text, p_queueid text, p_max_count integer,
    p_max_attempts integer, p_visibility_seconds integer, p_removal_seconds integer,
    p_eviction_seconds integer, p_eviction_batch integer)
RETURNS TABLE (serviceid text, providerid text, queueid text, messageid bigint, dequeued integer,
               visibleon timestamptz, expireson timestamptz, createdon timestamptz,
               modifiedon timestamptz, payload bytea)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    v_now timestamptz := clock_timestamp();
    v_evict boolean;
BEGIN
    INSERT INTO orleans_stream_queue_eviction AS e (serviceid, providerid, queueid, evicton)
    VALUES (p_serviceid, p_providerid, p_queueid, v_now + make_interval(secs => p_eviction_seconds))
    ON CONFLICT ON CONSTRAINT orleans_stream_queue_eviction_pkey DO UPDATE
        SET evicton = v_now + make_interval(secs => p_eviction_seconds)
        WHERE e.evicton <= v_now
    RETURNING true INTO v_evict;

    IF v_evict THEN
        PERFORM orleans_stream_evict(p_serviceid, p_providerid, p_queueid,
                                     p_max_attempts, p_removal_seconds, p_eviction_batch);
    END IF;

    RETURN QUERY
    WITH claimed AS (
        SELECT c.messageid
        FROM orleans_stream_message c
        WHERE c.serviceid = p_serviceid AND c.providerid = p_providerid AND c.queueid = p_queueid
          AND c.visibleon <= v_now AND c.expireson > v_now AND c.dequeued < p_max_attempts
        ORDER BY c.messageid
        LIMIT p_max_count
        FOR UPDATE SKIP LOCKED
    )
    UPDATE orleans_stream_message m
    SET dequeued = m.dequeued + 1,
        visibleon = v_now + make_interval(secs => p_visibility_seconds),
        modifiedon = v_now
    FROM claimed
    WHERE m.serviceid = p_serviceid AND m.providerid = p_providerid AND m.queueid = p_queueid
      AND m.messageid = claimed.messageid
    RETURNING m.serviceid, m.providerid, m.queueid, m.messageid, m.dequeued, m.visibleon,
              m.expireson, m.createdon, m.modifiedon, m.payload;
END
$fn$;

-- p_items: "messageid:receipt|messageid:receipt…". A positive receipt confirms (deletes) the
-- message it was issued for; a negative one releases it (visible again, attempts kept).
-- A receipt that no longer matches the row (claimed again since) is skipped. The minus sign
-- may come as U+2212 from culture-sensitive formatting.
CREATE FUNCTION orleans_stream_confirm(
    p_serviceid text, p_providerid text, p_queueid text, p_items text)
RETURNS TABLE (serviceid text, providerid text, queueid text, messageid bigint)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH items AS (
        SELECT split_part(item, ':', 1)::bigint AS id,
               replace(split_part(item, ':', 2), U&'\2212', '-')::integer AS receipt
        FROM unnest(string_to_array(p_items, '|')) AS item
        WHERE item <> ''
    ), confirmed AS (
        DELETE FROM orleans_stream_message m
        USING items i
        WHERE m.serviceid = p_serviceid AND m.providerid = p_providerid AND m.queueid = p_queueid
          AND m.messageid = i.id AND i.receipt > 0 AND m.dequeued = i.receipt
        RETURNING m.serviceid, m.providerid, m.queueid, m.messageid
    ), released AS (
        UPDATE orleans_stream_message m
        SET visibleon = clock_timestamp(), modifiedon = clock_timestamp()
        FROM items i
        WHERE m.serviceid = p_serviceid AND m.providerid = p_providerid AND m.queueid = p_queueid
          AND m.messageid = i.id AND i.receipt < 0 AND m.dequeued = -i.receipt
        RETURNING m.serviceid, m.providerid, m.queueid, m.messageid
    )
    SELECT * FROM confirmed
    UNION ALL
    SELECT * FROM released;
END
$fn$;

-- A delivery failed: retry it now, or dead-letter it once its attempts are spent.
CREATE FUNCTION orleans_stream_fail(
    p_serviceid text, p_providerid text, p_queueid text, p_messageid bigint,
    p_max_attempts integer, p_removal_seconds integer)
RETURNS void
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    v_now timestamptz := clock_timestamp();
BEGIN
    UPDATE orleans_stream_message m
    SET visibleon = v_now, modifiedon = v_now
    WHERE m.serviceid = p_serviceid AND m.providerid = p_providerid AND m.queueid = p_queueid
      AND m.messageid = p_messageid AND m.dequeued < p_max_attempts;

    IF NOT FOUND THEN
        WITH moved AS (
            DELETE FROM orleans_stream_message m
            WHERE m.serviceid = p_serviceid AND m.providerid = p_providerid AND m.queueid = p_queueid
              AND m.messageid = p_messageid
            RETURNING m.*
        )
        INSERT INTO orleans_stream_dead_letter
            (serviceid, providerid, queueid, messageid, dequeued, visibleon, expireson, createdon,
             modifiedon, deadon, removeon, payload)
        SELECT moved.serviceid, moved.providerid, moved.queueid, moved.messageid, moved.dequeued,
               moved.visibleon, moved.expireson, moved.createdon, moved.modifiedon,
               v_now, v_now + make_interval(secs => p_removal_seconds), moved.payload
        FROM moved
        ON CONFLICT DO NOTHING;
    END IF;
END
$fn$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('QueueStreamMessageKey', $q$
SELECT serviceid AS ServiceId, providerid AS ProviderId, queueid AS QueueId, messageid AS MessageId
FROM orleans_stream_enqueue(@ServiceId, @ProviderId, @QueueId, @Payload, @ExpiryTimeout)
$q$),
('GetStreamMessagesKey', $q$
SELECT serviceid AS ServiceId, providerid AS ProviderId, queueid AS QueueId, messageid AS MessageId,
       dequeued AS Dequeued, visibleon AS VisibleOn, expireson AS ExpiresOn, createdon AS CreatedOn,
       modifiedon AS ModifiedOn, payload AS Payload
FROM orleans_stream_claim(@ServiceId, @ProviderId, @QueueId, @MaxCount, @MaxAttempts,
                          @VisibilityTimeout, @RemovalTimeout, @EvictionInterval, @EvictionBatchSize)
ORDER BY messageid
$q$),
('ConfirmStreamMessagesKey', $q$
SELECT serviceid AS ServiceId, providerid AS ProviderId, queueid AS QueueId, messageid AS MessageId
FROM orleans_stream_confirm(@ServiceId, @ProviderId, @QueueId, @Items)
$q$),
('FailStreamMessageKey', $q$
SELECT orleans_stream_fail(@ServiceId, @ProviderId, @QueueId, @MessageId, @MaxAttempts, @RemovalTimeout)
$q$),
('EvictStreamMessagesKey', $q$
SELECT orleans_stream_evict(@ServiceId, @ProviderId, @QueueId, @MaxAttempts, @RemovalTimeout, @MaxCount)
$q$),
('EvictStreamDeadLettersKey', $q$
DELETE FROM orleans_stream_dead_letter d
WHERE (d.serviceid, d.providerid, d.queueid, d.messageid) IN (
    SELECT x.serviceid, x.providerid, x.queueid, x.messageid
    FROM orleans_stream_dead_letter x
    WHERE x.serviceid = @ServiceId AND x.providerid = @ProviderId AND x.queueid = @QueueId
      AND x.removeon <= now()
    LIMIT @MaxCount)
$q$);
