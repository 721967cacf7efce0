-- The event queue's functions keep their plans. They were written in LANGUAGE sql, and PostgreSQL
-- (before 18) parses and plans the body of such a function, when it cannot inline it, on every
-- call: a commit spent about as long being planned as being executed. The same statements in
-- PL/pgSQL are planned once per connection and the plan reused. Measured on the 2-core machine with
-- pgbench, one client, prepared: a one-item commit 0.49 -> 0.26 ms, a claim of an empty queue
-- 0.152 -> 0.063 ms (bench/RESULTS.md). Behaviour is unchanged: the bodies are the same statements.

CREATE OR REPLACE FUNCTION event_queue_commit(
    p_service text, p_resources text[], p_ids bigint[], p_sequences bigint[], p_snapshots text[],
    p_queues integer[], p_payloads bytea[])
RETURNS TABLE (ord bigint)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
    RETURN QUERY
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
END
$fn$;

CREATE OR REPLACE FUNCTION event_queue_claim(p_service text, p_queue integer, p_max integer, p_visibility_seconds integer)
RETURNS TABLE (id bigint, receipt integer, attempts integer, created_on timestamptz, payload bytea)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH claimable AS (
        SELECT c.id
        FROM event_queue c
        WHERE c.service_id = p_service AND c.queue = p_queue AND c.visible_on <= clock_timestamp()
        ORDER BY c.id
        LIMIT p_max
        FOR UPDATE SKIP LOCKED
    )
    UPDATE event_queue m
    SET receipt = m.receipt + 1,
        attempts = m.attempts + CASE WHEN m.claimed THEN 1 ELSE 0 END,
        claimed = true,
        visible_on = clock_timestamp() + make_interval(secs => p_visibility_seconds)
    FROM claimable
    WHERE m.service_id = p_service AND m.queue = p_queue AND m.id = claimable.id
    RETURNING m.id, m.receipt, m.attempts, m.created_on, m.payload;
END
$fn$;

CREATE OR REPLACE FUNCTION event_queue_confirm(p_service text, p_queue integer, p_ids bigint[], p_receipts integer[])
RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    deleted integer;
BEGIN
    DELETE FROM event_queue m
    USING unnest(p_ids, p_receipts) AS d(id, receipt)
    WHERE m.service_id = p_service AND m.queue = p_queue AND m.id = d.id AND m.receipt = d.receipt;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END
$fn$;

CREATE OR REPLACE FUNCTION event_queue_bury(p_service text, p_queue integer, p_ids bigint[], p_receipts integer[])
RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    buried integer;
BEGIN
    WITH moved AS (
        DELETE FROM event_queue m
        USING unnest(p_ids, p_receipts) AS b(id, receipt)
        WHERE m.service_id = p_service AND m.queue = p_queue AND m.id = b.id AND m.receipt = b.receipt
        RETURNING m.*
    )
    INSERT INTO event_queue_dead_letter (service_id, queue, id, receipt, attempts, created_on, dead_on, payload)
    SELECT moved.service_id, moved.queue, moved.id, moved.receipt, moved.attempts, moved.created_on, clock_timestamp(), moved.payload
    FROM moved
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS buried = ROW_COUNT;
    RETURN buried;
END
$fn$;
