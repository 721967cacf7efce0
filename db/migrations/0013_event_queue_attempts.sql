-- What counts as a spent attempt of a stream message. Until now every claim and every failed
-- delivery raised the message's receipt, and the receipt decided when a message went to the dead
-- letters: an outage of a consumer that lasted about ten minutes (a failed delivery every minute,
-- each counted twice, and counted for every other message of the queue released with it) sent
-- accepted events to the dead letters, which nothing reads back.
--
-- Now the receipt is only the fence of a claim (a confirmation or a release must name the latest
-- one), and attempts counts the claims that expired: a silo took the message and neither
-- confirmed it nor handed it back within the visibility timeout (it died, or the message cannot
-- be read there). A failed delivery hands the message back without spending an attempt: an outage
-- is waited out, as long as it lasts. A receiver extends the visibility of the messages it holds
-- while their delivery is under way.
ALTER TABLE event_queue
    ADD COLUMN attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN claimed  boolean NOT NULL DEFAULT false;

ALTER TABLE event_queue_dead_letter
    ADD COLUMN attempts integer NOT NULL DEFAULT 0;

DROP FUNCTION event_queue_claim(text, integer, integer, integer);

-- Claims up to p_max visible messages of a queue, oldest first, for p_visibility_seconds. A
-- message still marked claimed is one whose last claim expired: that claim was an attempt spent.
CREATE FUNCTION event_queue_claim(p_service text, p_queue integer, p_max integer, p_visibility_seconds integer)
RETURNS TABLE (id bigint, receipt integer, attempts integer, created_on timestamptz, payload bytea)
LANGUAGE sql AS $fn$
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
$fn$;

DROP FUNCTION event_queue_fail(text, integer, bigint, integer);

-- A delivery of a stream's events failed from message p_from on: the queue's claimed messages
-- from there are handed back, visible at once under a new receipt (the pending confirmation of
-- the failed claim no longer deletes them); no attempt is spent. Messages of other streams among
-- them are delivered again too; their consumers ignore what they already have.

CREATE FUNCTION event_queue_fail(p_service text, p_queue integer, p_from bigint)
RETURNS integer
LANGUAGE sql AS $fn$
    WITH released AS (
        UPDATE event_queue m
        SET receipt = m.receipt + 1, claimed = false, visible_on = clock_timestamp()
        WHERE m.service_id = p_service AND m.queue = p_queue AND m.id >= p_from
          AND m.claimed AND m.visible_on > clock_timestamp()
        RETURNING 1
    )
    SELECT count(*)::integer FROM released;
$fn$;

DROP FUNCTION event_queue_bury(text, integer, bigint[], integer);

-- Moves claimed messages (named with their receipts) to the dead letters: their attempts are spent.
CREATE FUNCTION event_queue_bury(p_service text, p_queue integer, p_ids bigint[], p_receipts integer[])
RETURNS integer
LANGUAGE sql AS $fn$
    WITH moved AS (
        DELETE FROM event_queue m
        USING unnest(p_ids, p_receipts) AS b(id, receipt)
        WHERE m.service_id = p_service AND m.queue = p_queue AND m.id = b.id AND m.receipt = b.receipt
        RETURNING m.*
    ), buried AS (
        INSERT INTO event_queue_dead_letter (service_id, queue, id, receipt, attempts, created_on, dead_on, payload)
        SELECT moved.service_id, moved.queue, moved.id, moved.receipt, moved.attempts, moved.created_on, clock_timestamp(), moved.payload
        FROM moved
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT count(*)::integer FROM buried;
$fn$;
