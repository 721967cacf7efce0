-- The attempt log, partitioned by day of created_on. Retention drops whole days, at the cost of one
-- statement per day whatever the rows (it was a DELETE of every expired row), and autovacuum never
-- walks expired rows again. Reads of a subscription's log still go by its index, now one per day,
-- merged in id order.
--
-- Upgrade: the rows already logged are not copied. The unpartitioned table becomes the first
-- partition, holding everything before the end of the day of the upgrade, and is dropped whole once
-- that day is past the retention. Ids go on from the highest one, from a sequence of their own
-- (an identity column cannot be declared on a partitioned table in PostgreSQL 15).

-- Day boundaries are UTC days, whatever the session's time zone.
SET LOCAL TimeZone = 'UTC';

-- The ids go on from the identity's sequence (no scan of the old rows).
CREATE SEQUENCE delivery_log_id AS bigint;
SELECT setval('delivery_log_id', coalesce((SELECT last_value FROM delivery_log_id_seq), 0) + 1, false);

ALTER TABLE delivery_log ALTER COLUMN id DROP IDENTITY;
ALTER TABLE delivery_log RENAME TO delivery_log_upgraded;
-- Its key becomes the partitioned table's, which includes the partition's column.
ALTER TABLE delivery_log_upgraded DROP CONSTRAINT delivery_log_pkey;
ALTER INDEX delivery_log_subscription RENAME TO delivery_log_upgraded_subscription;
ALTER INDEX delivery_log_created_on RENAME TO delivery_log_upgraded_created_on;

CREATE TABLE delivery_log (
    service_id       text        NOT NULL,
    id               bigint      NOT NULL DEFAULT nextval('delivery_log_id'),
    subscription_id  bigint      NOT NULL,
    delivery_id      text        NOT NULL,
    event_id         text        NOT NULL,
    event_name       text        NOT NULL,
    entity_key       text        NOT NULL,
    attempt          integer     NOT NULL,
    outcome          text        NOT NULL,
    status_code      integer,
    duration_ms      integer,
    error            text,
    response_excerpt text,
    created_on       timestamptz NOT NULL,
    next_attempt_on  timestamptz,
    PRIMARY KEY (service_id, id, created_on)
) PARTITION BY RANGE (created_on);

ALTER SEQUENCE delivery_log_id OWNED BY delivery_log.id;

CREATE INDEX delivery_log_subscription ON delivery_log (service_id, subscription_id, id DESC);

-- Each partition and its range (starts_on NULL: from the beginning of time): what the functions
-- below read to know which days have a partition and which ones retention may drop.
CREATE TABLE delivery_log_partition (
    name      text        PRIMARY KEY,
    starts_on timestamptz,
    ends_on   timestamptz NOT NULL
);

-- Makes sure every day from p_today's to p_days_ahead days on (UTC) has its partition; returns how
-- many it added. Idempotent, and safe to call from several silos at once (one at a time). The
-- service passes its own clock's time.
CREATE FUNCTION delivery_log_add_partitions(p_today timestamptz, p_days_ahead integer) RETURNS integer
LANGUAGE plpgsql
-- UTC days whatever the session's zone (a zone with daylight saving would make 23- and 25-hour
-- days); and no long wait on the parent's lock, which would hold up every insert behind it (the
-- days are made three ahead: the next hour tries again).
SET TimeZone = 'UTC' SET DateStyle = 'ISO' SET lock_timeout = '2s'
AS $fn$
DECLARE
    day_start timestamptz;
    part text;
    added integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('delivery_log_partitions', 0));
    FOR d IN 0..p_days_ahead LOOP
        day_start := (date_trunc('day', p_today AT TIME ZONE 'UTC') + make_interval(days => d)) AT TIME ZONE 'UTC';
        part := 'delivery_log_' || to_char(day_start AT TIME ZONE 'UTC', 'YYYYMMDD');
        IF NOT EXISTS (SELECT 1 FROM delivery_log_partition p
                       WHERE p.ends_on > day_start AND (p.starts_on IS NULL OR p.starts_on < day_start + interval '1 day')) THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF delivery_log FOR VALUES FROM (%L) TO (%L)',
                           part, day_start, day_start + interval '1 day');
            INSERT INTO delivery_log_partition (name, starts_on, ends_on) VALUES (part, day_start, day_start + interval '1 day');
            added := added + 1;
        END IF;
    END LOOP;
    RETURN added;
END
$fn$;

-- Drops the partitions whose whole range is before p_before; returns how many rows went with them.
CREATE FUNCTION delivery_log_drop_partitions(p_before timestamptz) RETURNS bigint
LANGUAGE plpgsql
SET TimeZone = 'UTC' SET DateStyle = 'ISO' SET lock_timeout = '2s'
AS $fn$
DECLARE
    p record;
    rows_dropped bigint := 0;
    n bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('delivery_log_partitions', 0));
    FOR p IN SELECT name FROM delivery_log_partition WHERE ends_on <= p_before ORDER BY ends_on LOOP
        IF to_regclass(p.name) IS NOT NULL THEN
            -- An estimate (the planner's), not a count: a count would read the rows it means to drop.
            SELECT coalesce(c.reltuples, 0)::bigint INTO n FROM pg_class c WHERE c.oid = to_regclass(p.name);
            rows_dropped := rows_dropped + greatest(n, 0);
            EXECUTE format('DROP TABLE %I', p.name);
        END IF;
        DELETE FROM delivery_log_partition WHERE name = p.name;
    END LOOP;
    RETURN rows_dropped;
END
$fn$;

-- The rows already logged: everything before the end of today (UTC), or of the day of the newest
-- row if a clock ahead wrote one later (read by its index), is theirs.
DO $do$
DECLARE
    boundary timestamptz := greatest(
        date_trunc('day', now()) + interval '1 day',
        date_trunc('day', (SELECT max(created_on) FROM delivery_log_upgraded)) + interval '1 day');
BEGIN
    EXECUTE format('ALTER TABLE delivery_log ATTACH PARTITION delivery_log_upgraded FOR VALUES FROM (MINVALUE) TO (%L)', boundary);
    INSERT INTO delivery_log_partition (name, starts_on, ends_on) VALUES ('delivery_log_upgraded', NULL, boundary);
END
$do$;
-- Until the upgraded rows go as one partition, the retention deletes their expired rows in bounded
-- batches as before (they would otherwise stay up to twice the retention). Returns how many went;
-- 0 once the partition is gone.
CREATE FUNCTION delivery_log_purge_upgraded(p_before timestamptz, p_batch integer) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    deleted integer;
BEGIN
    IF to_regclass('delivery_log_upgraded') IS NULL THEN
        RETURN 0;
    END IF;
    DELETE FROM delivery_log_upgraded WHERE ctid IN (
        SELECT ctid FROM delivery_log_upgraded WHERE created_on < p_before LIMIT p_batch);
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END
$fn$;

SELECT delivery_log_add_partitions(now(), 3);
