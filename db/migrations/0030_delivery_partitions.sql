-- Deliveries (delivery_outbox) and the data they share (delivery_body) partitioned by the week of
-- their event, so that retention drops whole weeks instead of deleting row by row. The partition
-- key is the event id: event ids are version 7 UUIDs, whose text starts with the time they were
-- made (48 bits of Unix milliseconds, as hex), so a week is a range of ids. The outbox's key
-- (service, subscription, event) includes it as it is: an event is still queued once per
-- subscription, and every update of a delivery, which names its event, reads one partition.
--
-- A pending delivery is never dropped with its week: retention detaches the week, moves its
-- pending rows (with their own copy of shared data) into the default partition, which takes every
-- id no week holds, then drops the week. The default partition also takes ids of any other form.
--
-- Upgrade: nothing is copied. Each old table, unless empty, becomes the partition of everything
-- before the end of the upgrade's UTC week (`*_upgraded`), dropped whole once that week is past the
-- retention; the few rows whose ids sort after it (ids of another form) move to the default
-- partition.

SET LOCAL TimeZone = 'UTC';

-- The text that a version 7 id made at p_at starts with ('hhhhhhhh-hhhh'): every id made at or
-- after p_at sorts at or after it, every id made before sorts before it, in any collation (lowercase
-- hex digits and hyphens at the same places).
CREATE FUNCTION event_id_at(p_at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
    SELECT lpad(to_hex(ms >> 16), 8, '0') || '-' || lpad(to_hex(ms & 65535), 4, '0')
    FROM (SELECT floor(extract(epoch FROM p_at) * 1000)::bigint AS ms) t
$fn$;

-- Each partition of the two tables and its range of event times (starts_on NULL: from the
-- beginning of time), which the functions below read.
CREATE TABLE delivery_partition (
    name       text        PRIMARY KEY,
    parent     text        NOT NULL,
    starts_on  timestamptz,
    ends_on    timestamptz NOT NULL
);

-- The outbox's positions go on from its identity's sequence (no scan of the rows); an identity
-- column cannot be declared on a partitioned table in PostgreSQL 15.
CREATE SEQUENCE delivery_outbox_position AS bigint;
SELECT setval('delivery_outbox_position', coalesce((SELECT last_value FROM delivery_outbox_seq_seq), 0) + 1, false);
ALTER TABLE delivery_outbox ALTER COLUMN seq DROP IDENTITY;

ALTER TABLE delivery_outbox RENAME TO delivery_outbox_upgraded;
ALTER TABLE delivery_outbox_upgraded RENAME CONSTRAINT delivery_outbox_pkey TO delivery_outbox_upgraded_pkey;
ALTER INDEX delivery_outbox_entity_order RENAME TO delivery_outbox_upgraded_entity_order;
ALTER INDEX delivery_outbox_pending RENAME TO delivery_outbox_upgraded_pending;
ALTER TABLE delivery_body RENAME TO delivery_body_upgraded;
ALTER INDEX delivery_body_event RENAME TO delivery_body_upgraded_event;

CREATE TABLE delivery_outbox (
    service_id      text        NOT NULL,
    subscription_id bigint      NOT NULL,
    event_id        text        NOT NULL,
    seq             bigint      NOT NULL DEFAULT nextval('delivery_outbox_position'),
    entity_key      text        NOT NULL,
    event_name      text        NOT NULL,
    body            text,
    state           text        NOT NULL DEFAULT 'PENDING',
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_on timestamptz,
    created_on      timestamptz NOT NULL,
    entity_seq      bigint      NOT NULL DEFAULT 0,
    trace_parent    text,
    occurred_on     timestamptz,
    custom_id       text,
    language        text,
    body_shape      text,
    data            text,
    PRIMARY KEY (service_id, subscription_id, event_id)
) PARTITION BY RANGE (event_id);
ALTER SEQUENCE delivery_outbox_position OWNED BY delivery_outbox.seq;
CREATE INDEX delivery_outbox_entity_order ON delivery_outbox (service_id, subscription_id, entity_key, entity_seq) WHERE state = 'PENDING';
CREATE INDEX delivery_outbox_pending ON delivery_outbox (service_id, subscription_id, seq) WHERE state = 'PENDING';

CREATE TABLE delivery_body (
    service_id text NOT NULL,
    event_id   text NOT NULL,
    shape      text NOT NULL,
    data       text NOT NULL
) PARTITION BY RANGE (event_id);
CREATE INDEX delivery_body_event ON delivery_body (service_id, event_id, shape);

-- Pages of the outbox kept 40 % free and vacuumed by row count (migrations 0014 and 0028), per partition.
CREATE TABLE delivery_outbox_default PARTITION OF delivery_outbox DEFAULT
    WITH (fillfactor = 60, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000, autovacuum_vacuum_cost_limit = 2000);
CREATE TABLE delivery_body_default PARTITION OF delivery_body DEFAULT;

-- Makes sure every UTC day from p_today's to p_days_ahead days on is in a partition of both
-- tables: a partition holds a week of events (Monday to Monday, UTC); returns how many it added.
-- Idempotent, and safe from several silos at once. A week whose ids the default partition holds
-- already (a clock far ahead, ids of another form) is left to it.
--
-- Weeks, not days: every read of the deliveries that does not name an event (a subscription's
-- pending deliveries, its window) visits each partition, and with a month of days that cost the
-- event path about a third more of PostgreSQL's time; five or six weeks cost little. Retention
-- goes by whole weeks: deliveries are kept the retention and at most a week more.
CREATE FUNCTION delivery_add_partitions(p_today timestamptz, p_days_ahead integer) RETURNS integer
LANGUAGE plpgsql
-- UTC weeks whatever the session's zone; and no long wait for the parent's lock, which would hold
-- up every delivery behind it (weeks are made days ahead: the next hour tries again).
SET TimeZone = 'UTC' SET DateStyle = 'ISO' SET lock_timeout = '2s'
AS $fn$
DECLARE
    day_start timestamptz;
    week_end timestamptz;
    tbl text;
    part text;
    low text;
    high text;
    added integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('delivery_partitions', 0));
    FOR d IN 0..p_days_ahead LOOP
        day_start := date_trunc('week', (date_trunc('day', p_today AT TIME ZONE 'UTC') + make_interval(days => d))) AT TIME ZONE 'UTC';
        week_end := day_start + interval '7 days';
        low := event_id_at(day_start);
        high := event_id_at(week_end);
        FOREACH tbl IN ARRAY ARRAY['delivery_outbox', 'delivery_body'] LOOP
            part := tbl || '_' || to_char(day_start, 'YYYYMMDD');
            CONTINUE WHEN EXISTS (SELECT 1 FROM delivery_partition p
                                  WHERE p.parent = tbl AND p.ends_on > day_start
                                    AND (p.starts_on IS NULL OR p.starts_on < week_end));
            CONTINUE WHEN tbl = 'delivery_outbox' AND EXISTS (
                SELECT 1 FROM delivery_outbox_default WHERE event_id >= low AND event_id < high);
            CONTINUE WHEN tbl = 'delivery_body' AND EXISTS (
                SELECT 1 FROM delivery_body_default WHERE event_id >= low AND event_id < high);
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)%s', part, tbl, low, high,
                           CASE WHEN tbl = 'delivery_outbox' THEN ' WITH (fillfactor = 60, autovacuum_vacuum_scale_factor = 0, '
                                || 'autovacuum_vacuum_threshold = 20000, autovacuum_vacuum_cost_limit = 2000)' ELSE '' END);
            INSERT INTO delivery_partition (name, parent, starts_on, ends_on) VALUES (part, tbl, day_start, week_end);
            added := added + 1;
        END LOOP;
    END LOOP;
    RETURN added;
END
$fn$;

-- Drops the outbox's weeks whose events were all accepted before p_before, keeping their pending
-- deliveries: each week is detached, its pending rows are moved into the default partition with
-- their own copy of the data they shared, and it is dropped. Returns the rows dropped (the
-- planner's estimate: a count would read them) and the pending deliveries kept.
CREATE FUNCTION delivery_outbox_drop_partitions(p_before timestamptz, OUT dropped bigint, OUT kept bigint)
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
                                             body_shape, data)
                SELECT o.service_id, o.subscription_id, o.event_id, o.seq, o.entity_key, o.event_name, o.body, o.state, o.attempts,
                       o.next_attempt_on, o.created_on, o.entity_seq, o.trace_parent, o.occurred_on, o.custom_id, o.language,
                       o.body_shape,
                       coalesce(o.data, CASE WHEN o.body IS NULL THEN (
                           SELECT b.data FROM delivery_body b
                           WHERE b.service_id = o.service_id AND b.event_id = o.event_id AND b.shape = o.body_shape LIMIT 1) END)
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

-- Drops the shared data's weeks whose events were all accepted before p_before (no delivery can
-- read them any more: see docs/operations.md); returns about how many rows went.
CREATE FUNCTION delivery_body_drop_partitions(p_before timestamptz) RETURNS bigint
LANGUAGE plpgsql
SET TimeZone = 'UTC' SET DateStyle = 'ISO' SET lock_timeout = '2s'
AS $fn$
DECLARE
    p record;
    n bigint;
    dropped bigint := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('delivery_partitions', 0));
    FOR p IN SELECT name FROM delivery_partition WHERE parent = 'delivery_body' AND ends_on <= p_before ORDER BY ends_on LOOP
        IF to_regclass(p.name) IS NOT NULL THEN
            SELECT greatest(coalesce(c.reltuples, 0), 0)::bigint INTO n FROM pg_class c WHERE c.oid = to_regclass(p.name);
            dropped := dropped + n;
            EXECUTE format('DROP TABLE %I', p.name);
        END IF;
        DELETE FROM delivery_partition WHERE name = p.name;
    END LOOP;
    RETURN dropped;
END
$fn$;

-- The rows already there: everything whose id sorts before the end of this week (UTC) stays where
-- it is, as one partition; the rest (ids of another form, or made by a clock ahead) moves to the
-- default partition. The check lets the attachment skip its own scan of the rows. A new database
-- (no rows) has weeks from this one on instead.
DO $do$
DECLARE
    boundary timestamptz := date_trunc('week', now()) + interval '7 days';
    high text := event_id_at(date_trunc('week', now()) + interval '7 days');
BEGIN
    IF NOT EXISTS (SELECT 1 FROM delivery_outbox_upgraded) AND NOT EXISTS (SELECT 1 FROM delivery_body_upgraded) THEN
        DROP TABLE delivery_outbox_upgraded;
        DROP TABLE delivery_body_upgraded;
        RETURN;
    END IF;
    WITH moved AS (DELETE FROM delivery_outbox_upgraded WHERE event_id >= high RETURNING *)
    INSERT INTO delivery_outbox_default (service_id, subscription_id, event_id, seq, entity_key, event_name, body, state, attempts,
                                         next_attempt_on, created_on, entity_seq, trace_parent, occurred_on, custom_id, language,
                                         body_shape, data)
    SELECT service_id, subscription_id, event_id, seq, entity_key, event_name, body, state, attempts,
           next_attempt_on, created_on, entity_seq, trace_parent, occurred_on, custom_id, language, body_shape, data
    FROM moved;
    WITH moved AS (DELETE FROM delivery_body_upgraded WHERE event_id >= high RETURNING *)
    INSERT INTO delivery_body_default (service_id, event_id, shape, data) SELECT service_id, event_id, shape, data FROM moved;

    EXECUTE format('ALTER TABLE delivery_outbox_upgraded ADD CONSTRAINT delivery_outbox_upgraded_range CHECK (event_id < %L)', high);
    EXECUTE format('ALTER TABLE delivery_outbox ATTACH PARTITION delivery_outbox_upgraded FOR VALUES FROM (MINVALUE) TO (%L)', high);
    ALTER TABLE delivery_outbox_upgraded DROP CONSTRAINT delivery_outbox_upgraded_range;
    EXECUTE format('ALTER TABLE delivery_body_upgraded ADD CONSTRAINT delivery_body_upgraded_range CHECK (event_id < %L)', high);
    EXECUTE format('ALTER TABLE delivery_body ATTACH PARTITION delivery_body_upgraded FOR VALUES FROM (MINVALUE) TO (%L)', high);
    ALTER TABLE delivery_body_upgraded DROP CONSTRAINT delivery_body_upgraded_range;
    INSERT INTO delivery_partition (name, parent, starts_on, ends_on)
    VALUES ('delivery_outbox_upgraded', 'delivery_outbox', NULL, boundary),
           ('delivery_body_upgraded', 'delivery_body', NULL, boundary);
END
$do$;

-- Deletes finished deliveries queued before p_before from the partitions that are not a week (the
-- upgraded rows, until their week goes, and the default partition), a bounded batch at a time;
-- returns how many went. Pending ones stay whatever their age.
CREATE FUNCTION delivery_outbox_purge_unpartitioned(p_service text, p_before timestamptz, p_batch integer) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    part text;
    n integer;
    deleted integer := 0;
BEGIN
    FOREACH part IN ARRAY ARRAY['delivery_outbox_upgraded', 'delivery_outbox_default'] LOOP
        CONTINUE WHEN to_regclass(part) IS NULL OR deleted >= p_batch;
        EXECUTE format('DELETE FROM %1$I WHERE ctid = ANY (ARRAY(SELECT ctid FROM %1$I WHERE service_id = $1 AND state <> ''PENDING'' '
                       'AND created_on < $2 LIMIT $3))', part) USING p_service, p_before, p_batch - deleted;
        GET DIAGNOSTICS n = ROW_COUNT;
        deleted := deleted + n;
    END LOOP;
    RETURN deleted;
END
$fn$;

-- The same for the shared data of events accepted before p_before, by the key's order.
CREATE FUNCTION delivery_body_purge_unpartitioned(p_service text, p_before timestamptz, p_batch integer) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    part text;
    n integer;
    deleted integer := 0;
BEGIN
    FOREACH part IN ARRAY ARRAY['delivery_body_upgraded', 'delivery_body_default'] LOOP
        CONTINUE WHEN to_regclass(part) IS NULL OR deleted >= p_batch;
        EXECUTE format('DELETE FROM %1$I WHERE ctid = ANY (ARRAY(SELECT ctid FROM %1$I WHERE service_id = $1 AND event_id < $2 '
                       'ORDER BY event_id LIMIT $3))', part) USING p_service, event_id_at(p_before), p_batch - deleted;
        GET DIAGNOSTICS n = ROW_COUNT;
        deleted := deleted + n;
    END LOOP;
    RETURN deleted;
END
$fn$;

SELECT delivery_add_partitions(now(), 3);
