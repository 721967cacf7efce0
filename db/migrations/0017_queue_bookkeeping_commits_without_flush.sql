-- A claim of the event queue commits without waiting for its WAL to reach the disk
-- (synchronous_commit off, for that transaction only). A claim only marks messages as taken for a
-- while; if PostgreSQL crashes before the WAL writer flushes it (within a fraction of a second), the
-- claim is forgotten, the messages become visible again and are handed out again, which the
-- at-least-once contract already covers. Any later durable commit (a confirm, an outbox row, an
-- attempt's record) flushes the WAL up to itself, so the claim is durable before anything that
-- depends on it is. Measured at a steady 500 events/s on the 2-core machine: the claim was one
-- commit per event, each waiting for a flush, on the path from an accepted event to its delivery
-- (bench/RESULTS.md, section 9). The statement is unchanged.

CREATE OR REPLACE FUNCTION event_queue_claim(p_service text, p_queue integer, p_max integer, p_visibility_seconds integer)
RETURNS TABLE (id bigint, receipt integer, attempts integer, created_on timestamptz, payload bytea)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
    -- Local to the transaction: set_config(..., true) is SET LOCAL, and lasts to the commit.
    PERFORM set_config('synchronous_commit', 'off', true);
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
