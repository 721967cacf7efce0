-- Stream appends no longer wait for each other. Until now the appends of one queue were
-- serialized by an advisory lock held to the commit, so that ids became visible in id order.
-- What needs an order is one entity's events, and those are appended one after another by the
-- entity's grain (each append commits before the next starts), so their ids grow in commit
-- order without a lock. Events of different entities may become visible out of id order; they
-- never depended on each other (deliveries follow each entity's sequence number). Measured:
-- bench/RESULTS.md, "Stream append without the lock".
CREATE OR REPLACE FUNCTION orleans_stream_enqueue(
    p_serviceid text, p_providerid text, p_queueid text, p_payload bytea, p_expiry_seconds integer)
RETURNS TABLE (serviceid text, providerid text, queueid text, messageid bigint)
LANGUAGE sql AS $fn$
    INSERT INTO orleans_stream_message AS m
        (serviceid, providerid, queueid, messageid, dequeued, visibleon, expireson, createdon, modifiedon, payload)
    VALUES (p_serviceid, p_providerid, p_queueid, nextval('orleans_stream_message_id'), 0,
            clock_timestamp(), clock_timestamp() + make_interval(secs => p_expiry_seconds),
            clock_timestamp(), clock_timestamp(), p_payload)
    RETURNING m.serviceid, m.providerid, m.queueid, m.messageid;
$fn$;
