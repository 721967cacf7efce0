-- The service's own durable queue for the entity-event stream, and the entities' state beside it,
-- so that a change and its event are made durable by one commit.
--
-- Until now an accepted event cost three commits: the entity's grain state with the event, the
-- append to the ADO.NET stream provider's table, then the grain state again without the event.
-- Now an entity's new state and its event are written by one statement, and each silo writes the
-- changes of many entities in the same statement (group commit). Measured: bench/RESULTS.md.

-- The entities' current state. sequence is the number of the entity's last event; a write names
-- the sequence it follows, so two activations of one entity can never both write.
CREATE TABLE entity_state (
    service_id  text        NOT NULL,
    resource    text        NOT NULL,
    id          bigint      NOT NULL,
    sequence    bigint      NOT NULL,
    snapshot    text,
    modified_on timestamptz NOT NULL,
    PRIMARY KEY (service_id, resource, id)
);

-- The stream's queues. A message is one batch container (Orleans' binary format); ids grow in
-- commit order for one entity (its grain writes one change at a time, each committed before the
-- next starts). receipt counts the claims of a message: a confirmation deletes the message only
-- if it names the latest claim, so a message claimed again (its visibility ended, or its delivery
-- failed) is never deleted by an older claim's confirmation.
CREATE SEQUENCE event_queue_id AS bigint;

CREATE TABLE event_queue (
    service_id text        NOT NULL,
    queue      integer     NOT NULL,
    id         bigint      NOT NULL DEFAULT nextval('event_queue_id'),
    receipt    integer     NOT NULL DEFAULT 0,
    visible_on timestamptz NOT NULL,
    created_on timestamptz NOT NULL,
    payload    bytea       NOT NULL,
    PRIMARY KEY (service_id, queue, id)
);

-- Messages whose claims were spent (every claim ended in a failure or a lost silo).
CREATE TABLE event_queue_dead_letter (
    service_id text        NOT NULL,
    queue      integer     NOT NULL,
    id         bigint      NOT NULL,
    receipt    integer     NOT NULL,
    created_on timestamptz NOT NULL,
    dead_on    timestamptz NOT NULL,
    payload    bytea       NOT NULL,
    PRIMARY KEY (service_id, queue, id)
);

-- One group commit: each item is an entity change with its event (resource not null), or an event
-- alone (resource null: a producer of the stream API). A change is written only if the entity's
-- stored sequence is the one before the item's (or the entity has no row yet); its event is
-- queued only if the change was written. Returns the ordinals (from 1) of the items written.
-- Listeners of channel es_event_queue learn, at commit, which queues received messages.
CREATE FUNCTION event_queue_commit(
    p_service text, p_resources text[], p_ids bigint[], p_sequences bigint[], p_snapshots text[],
    p_queues integer[], p_payloads bytea[])
RETURNS TABLE (ord bigint)
LANGUAGE sql AS $fn$
    WITH input AS (
        SELECT t.resource, t.id, t.sequence, t.snapshot, t.queue, t.payload, t.n
        FROM unnest(p_resources, p_ids, p_sequences, p_snapshots, p_queues, p_payloads)
             WITH ORDINALITY AS t(resource, id, sequence, snapshot, queue, payload, n)
    ), written AS (
        INSERT INTO entity_state AS e (service_id, resource, id, sequence, snapshot, modified_on)
        SELECT p_service, i.resource, i.id, i.sequence, i.snapshot, clock_timestamp()
        FROM input i
        WHERE i.resource IS NOT NULL
        ON CONFLICT (service_id, resource, id) DO UPDATE
            SET sequence = excluded.sequence, snapshot = excluded.snapshot, modified_on = excluded.modified_on
            WHERE e.sequence = excluded.sequence - 1
        RETURNING e.resource, e.id
    ), accepted AS (
        SELECT i.n, i.queue, i.payload FROM input i WHERE i.resource IS NULL
        UNION ALL
        SELECT i.n, i.queue, i.payload FROM input i JOIN written w ON w.resource = i.resource AND w.id = i.id
    ), queued AS (
        INSERT INTO event_queue (service_id, queue, visible_on, created_on, payload)
        SELECT p_service, a.queue, clock_timestamp(), clock_timestamp(), a.payload
        FROM accepted a
        ORDER BY a.n
        RETURNING queue
    ), notified AS (
        SELECT pg_notify('es_event_queue', p_service || ':' || string_agg(DISTINCT q.queue::text, ',')) AS done
        FROM queued q
        HAVING count(*) > 0
    )
    SELECT a.n FROM accepted a CROSS JOIN (SELECT count(*) FROM notified) x;
$fn$;

-- Claims up to p_max visible messages of a queue, oldest first, for p_visibility_seconds.
CREATE FUNCTION event_queue_claim(p_service text, p_queue integer, p_max integer, p_visibility_seconds integer)
RETURNS TABLE (id bigint, receipt integer, created_on timestamptz, payload bytea)
LANGUAGE sql AS $fn$
    WITH claimed AS (
        SELECT c.id
        FROM event_queue c
        WHERE c.service_id = p_service AND c.queue = p_queue AND c.visible_on <= clock_timestamp()
        ORDER BY c.id
        LIMIT p_max
        FOR UPDATE SKIP LOCKED
    )
    UPDATE event_queue m
    SET receipt = m.receipt + 1,
        visible_on = clock_timestamp() + make_interval(secs => p_visibility_seconds)
    FROM claimed
    WHERE m.service_id = p_service AND m.queue = p_queue AND m.id = claimed.id
    RETURNING m.id, m.receipt, m.created_on, m.payload;
$fn$;

-- Deletes the delivered messages whose receipt is still the one given.
CREATE FUNCTION event_queue_confirm(p_service text, p_queue integer, p_ids bigint[], p_receipts integer[])
RETURNS integer
LANGUAGE sql AS $fn$
    WITH deleted AS (
        DELETE FROM event_queue m
        USING unnest(p_ids, p_receipts) AS d(id, receipt)
        WHERE m.service_id = p_service AND m.queue = p_queue AND m.id = d.id AND m.receipt = d.receipt
        RETURNING 1
    )
    SELECT count(*)::integer FROM deleted;
$fn$;

-- Moves the given messages whose receipt reached p_max_receipts (claims and failures) to the dead letters.
CREATE FUNCTION event_queue_bury(p_service text, p_queue integer, p_ids bigint[], p_max_receipts integer)
RETURNS integer
LANGUAGE sql AS $fn$
    WITH moved AS (
        DELETE FROM event_queue m
        WHERE m.service_id = p_service AND m.queue = p_queue AND m.id = ANY (p_ids)
          AND m.receipt >= p_max_receipts
        RETURNING m.*
    ), buried AS (
        INSERT INTO event_queue_dead_letter (service_id, queue, id, receipt, created_on, dead_on, payload)
        SELECT moved.service_id, moved.queue, moved.id, moved.receipt, moved.created_on, clock_timestamp(), moved.payload
        FROM moved
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT count(*)::integer FROM buried;
$fn$;

-- A delivery of a stream's events failed from message p_from on (Orleans names the first message
-- of the batch that failed): every claimed message of the queue from there becomes visible again
-- at once, under a new receipt (the pending confirmation of the failed claim no longer deletes
-- it). Messages of other streams among them are delivered again too; their consumers ignore what
-- they already have. A message whose receipt reaches p_max_receipts moves to the dead letters.
CREATE FUNCTION event_queue_fail(p_service text, p_queue integer, p_from bigint, p_max_receipts integer)
RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    v_ids bigint[];
    v_count integer;
BEGIN
    WITH released AS (
        UPDATE event_queue m
        SET receipt = m.receipt + 1, visible_on = clock_timestamp()
        WHERE m.service_id = p_service AND m.queue = p_queue AND m.id >= p_from
          AND m.visible_on > clock_timestamp()
        RETURNING m.id
    )
    SELECT array_agg(id), count(*) INTO v_ids, v_count FROM released;
    IF v_ids IS NOT NULL THEN
        PERFORM event_queue_bury(p_service, p_queue, v_ids, p_max_receipts);
    END IF;
    RETURN v_count;
END
$fn$;
