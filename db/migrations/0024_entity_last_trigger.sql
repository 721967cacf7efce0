-- An entity's row names the trigger of its last event (created, updated, an action…) and the
-- event's time (its meta.occurredOn) beside the event's id, so that a preview (POST
-- /rest/v1/events-subscriptions/actions/preview) can show a resource's recent events as a draft
-- subscription would have received them, from the rows the events were committed with: no table
-- of its own, no row more written on the event path.
ALTER TABLE entity_state ADD COLUMN event_trigger text, ADD COLUMN event_on timestamptz;

-- The commit with the events' triggers and times. The earlier forms stay for silos of the previous
-- version during a rolling upgrade: they write no trigger (NULL), and a preview leaves such rows out.
CREATE FUNCTION event_queue_commit(
    p_service text, p_resources text[], p_ids bigint[], p_sequences bigint[], p_snapshots text[],
    p_queues integer[], p_payloads bytea[], p_event_ids text[], p_triggers text[], p_event_ons timestamptz[])
RETURNS TABLE (ord bigint)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH input AS (
        SELECT t.resource, t.id, t.sequence, t.snapshot, t.queue, t.payload, t.event_id, t.event_trigger, t.event_on, t.n
        FROM unnest(p_resources, p_ids, p_sequences, p_snapshots, p_queues, p_payloads, p_event_ids, p_triggers, p_event_ons)
             WITH ORDINALITY AS t(resource, id, sequence, snapshot, queue, payload, event_id, event_trigger, event_on, n)
    ), written AS (
        INSERT INTO entity_state AS e (service_id, resource, id, sequence, snapshot, modified_on, event_id, event_trigger, event_on)
        SELECT p_service, i.resource, i.id, i.sequence, i.snapshot, clock_timestamp(), i.event_id, i.event_trigger, i.event_on
        FROM input i
        WHERE i.resource IS NOT NULL
        ON CONFLICT (service_id, resource, id) DO UPDATE
            SET sequence = excluded.sequence, snapshot = excluded.snapshot, modified_on = excluded.modified_on,
                event_id = excluded.event_id, event_trigger = excluded.event_trigger, event_on = excluded.event_on
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
    p_queues integer[], p_payloads bytea[], p_event_ids text[])
RETURNS TABLE (ord bigint)
LANGUAGE plpgsql AS $fn$
BEGIN
    RETURN QUERY
    SELECT c.ord FROM event_queue_commit(p_service, p_resources, p_ids, p_sequences, p_snapshots, p_queues, p_payloads,
        p_event_ids, array_fill(NULL::text, ARRAY[coalesce(array_length(p_resources, 1), 0)]),
        array_fill(NULL::timestamptz, ARRAY[coalesce(array_length(p_resources, 1), 0)])) AS c;
END
$fn$;
