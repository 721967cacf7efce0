-- An entity's row names the event that made it what it is. A PUT that finds the entity already as
-- asked fires nothing; its answer now names that last event (X-Event-Id) instead of none, so that a
-- PUT the gateway repeats after a silo was lost (the first attempt committed, its answer never came
-- back) still tells the caller which event its change fired.
ALTER TABLE entity_state ADD COLUMN event_id text;

-- The commit of migration 0015 with the events' ids: written with the entity's row. The earlier
-- form (seven arguments) stays for silos of the previous version during a rolling upgrade; it now
-- clears event_id when it writes (it knows no id), so that no row names an event older than its
-- last one, and an answer then names no event, as before.
CREATE FUNCTION event_queue_commit(
    p_service text, p_resources text[], p_ids bigint[], p_sequences bigint[], p_snapshots text[],
    p_queues integer[], p_payloads bytea[], p_event_ids text[])
RETURNS TABLE (ord bigint)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH input AS (
        SELECT t.resource, t.id, t.sequence, t.snapshot, t.queue, t.payload, t.event_id, t.n
        FROM unnest(p_resources, p_ids, p_sequences, p_snapshots, p_queues, p_payloads, p_event_ids)
             WITH ORDINALITY AS t(resource, id, sequence, snapshot, queue, payload, event_id, n)
    ), written AS (
        INSERT INTO entity_state AS e (service_id, resource, id, sequence, snapshot, modified_on, event_id)
        SELECT p_service, i.resource, i.id, i.sequence, i.snapshot, clock_timestamp(), i.event_id
        FROM input i
        WHERE i.resource IS NOT NULL
        ON CONFLICT (service_id, resource, id) DO UPDATE
            SET sequence = excluded.sequence, snapshot = excluded.snapshot, modified_on = excluded.modified_on,
                event_id = excluded.event_id
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

CREATE OR REPLACE FUNCTION event_queue_commit(
    p_service text, p_resources text[], p_ids bigint[], p_sequences bigint[], p_snapshots text[],
    p_queues integer[], p_payloads bytea[])
RETURNS TABLE (ord bigint)
LANGUAGE plpgsql AS $fn$
BEGIN
    RETURN QUERY
    SELECT c.ord FROM event_queue_commit(p_service, p_resources, p_ids, p_sequences, p_snapshots, p_queues, p_payloads,
        array_fill(NULL::text, ARRAY[coalesce(array_length(p_resources, 1), 0)])) AS c;
END
$fn$;
