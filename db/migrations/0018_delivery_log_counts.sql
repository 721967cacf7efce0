-- How many attempt records each subscription has, per UTC day: a page of its log without filters
-- counts its matches as a sum of at most the retention's days, not by reading every row (a count
-- over a month of a busy subscription's log took 0.45 s). Written by the statements that write the
-- log rows, in the same statement; a day's counts go with its partition.
CREATE TABLE delivery_log_count (
    service_id      text   NOT NULL,
    subscription_id bigint NOT NULL,
    day             date   NOT NULL,
    n               bigint NOT NULL,
    PRIMARY KEY (service_id, subscription_id, day)
);

-- The rows logged before this migration, counted once.
INSERT INTO delivery_log_count (service_id, subscription_id, day, n)
SELECT service_id, subscription_id, (created_on AT TIME ZONE 'UTC')::date, count(*)
FROM delivery_log GROUP BY 1, 2, 3;

-- Dropping a day drops its counts.
CREATE OR REPLACE FUNCTION delivery_log_drop_partitions(p_before timestamptz) RETURNS bigint
LANGUAGE plpgsql
SET TimeZone = 'UTC' SET DateStyle = 'ISO' SET lock_timeout = '2s'
AS $fn$
DECLARE
    p record;
    rows_dropped bigint := 0;
    n bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('delivery_log_partitions', 0));
    FOR p IN SELECT name, starts_on, ends_on FROM delivery_log_partition WHERE ends_on <= p_before ORDER BY ends_on LOOP
        IF to_regclass(p.name) IS NOT NULL THEN
            SELECT coalesce(c.reltuples, 0)::bigint INTO n FROM pg_class c WHERE c.oid = to_regclass(p.name);
            rows_dropped := rows_dropped + greatest(n, 0);
            EXECUTE format('DROP TABLE %I', p.name);
        END IF;
        DELETE FROM delivery_log_count
        WHERE day < (p.ends_on AT TIME ZONE 'UTC')::date AND (p.starts_on IS NULL OR day >= (p.starts_on AT TIME ZONE 'UTC')::date);
        DELETE FROM delivery_log_partition WHERE name = p.name;
    END LOOP;
    RETURN rows_dropped;
END
$fn$;

-- The rows kept from before the partitions go a whole day at a time too (whole UTC days before
-- p_before's), so that the days' counts stay exact.
CREATE OR REPLACE FUNCTION delivery_log_purge_upgraded(p_before timestamptz, p_batch integer) RETURNS integer
LANGUAGE plpgsql
SET TimeZone = 'UTC'
AS $fn$
DECLARE
    deleted integer;
    cutoff timestamptz := date_trunc('day', p_before);
BEGIN
    IF to_regclass('delivery_log_upgraded') IS NULL THEN
        RETURN 0;
    END IF;
    DELETE FROM delivery_log_upgraded WHERE ctid IN (
        SELECT ctid FROM delivery_log_upgraded WHERE created_on < cutoff LIMIT p_batch);
    GET DIAGNOSTICS deleted = ROW_COUNT;
    IF deleted < p_batch THEN
        -- Every row of those days is gone: so are their counts.
        DELETE FROM delivery_log_count WHERE day < cutoff::date;
    END IF;
    RETURN deleted;
END
$fn$;
