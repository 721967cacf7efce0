-- The body an action was fired with (POST /rest/v1/{resource}/{id}/actions/{action}) goes with
-- its event's deliveries, after `data`: kept per delivery, null for every other event (no cost for
-- them: a column added without a default rewrites nothing).
ALTER TABLE delivery_outbox ADD COLUMN action_body text;

-- Retention keeps pending deliveries past their day with every column, the new one included.
CREATE OR REPLACE FUNCTION delivery_outbox_drop_partitions(p_before timestamptz, OUT dropped bigint, OUT kept bigint)
LANGUAGE plpgsql
SET TimeZone = 'UTC' SET DateStyle = 'ISO' SET lock_timeout = '2s'
AS $fn$
DECLARE
    p record;
    n bigint;
    estimate bigint;
BEGIN
    dropped := 0;
    kept := 0;
    PERFORM pg_advisory_xact_lock(hashtextextended('delivery_partitions', 0));
    FOR p IN SELECT name FROM delivery_partition WHERE parent = 'delivery_outbox' AND ends_on <= p_before ORDER BY ends_on LOOP
        IF to_regclass(p.name) IS NOT NULL THEN
            SELECT greatest(coalesce(c.reltuples, 0), 0)::bigint INTO estimate FROM pg_class c WHERE c.oid = to_regclass(p.name);
            EXECUTE format('ALTER TABLE delivery_outbox DETACH PARTITION %I', p.name);
            EXECUTE format($sql$
                INSERT INTO delivery_outbox (service_id, subscription_id, event_id, seq, entity_key, event_name, body, state, attempts,
                                             next_attempt_on, created_on, entity_seq, trace_parent, occurred_on, custom_id, language,
                                             body_shape, data, action_body)
                SELECT o.service_id, o.subscription_id, o.event_id, o.seq, o.entity_key, o.event_name, o.body, o.state, o.attempts,
                       o.next_attempt_on, o.created_on, o.entity_seq, o.trace_parent, o.occurred_on, o.custom_id, o.language,
                       o.body_shape,
                       coalesce(o.data, CASE WHEN o.body IS NULL THEN (
                           SELECT b.data FROM delivery_body b
                           WHERE b.service_id = o.service_id AND b.event_id = o.event_id AND b.shape = o.body_shape LIMIT 1) END),
                       o.action_body
                FROM %I o WHERE o.state = 'PENDING'
                $sql$, p.name);
            GET DIAGNOSTICS n = ROW_COUNT;
            kept := kept + n;
            dropped := dropped + greatest(estimate - n, 0);
            EXECUTE format('DROP TABLE %I', p.name);
        END IF;
        DELETE FROM delivery_partition WHERE name = p.name;
    END LOOP;
END
$fn$;
