-- Health, derived from the delivery log: the one definition used both to repair what is stored
-- (below) and by a subscription grain whose saved health predates the repair.
--
-- Versions before this one could show a subscription another one's health (a shared default
-- object filled in place when grain state was read), and saved it. The attempts in the log are
-- the truth: state, the failures since the last success, the last success and failure, and since
-- when every attempt failed. Test calls and cancellations do not count, as they never did.
CREATE FUNCTION subscription_health_from_log(p_service text, p_subscription bigint, p_created timestamptz)
RETURNS TABLE (state text, consecutive_failures integer, last_success_on timestamptz,
               last_failure_on timestamptz, last_error text, failing_since timestamptz)
LANGUAGE sql STABLE AS $f$
    WITH attempt AS (
        SELECT id, created_on, outcome, error
        FROM delivery_log
        WHERE service_id = p_service AND subscription_id = p_subscription AND created_on >= p_created
          AND outcome <> 'CANCELLED' AND event_name NOT LIKE '%:test'
    ), success AS (
        SELECT max(created_on) AS at FROM attempt WHERE outcome = 'SUCCEEDED'
    ), failure_since_success AS (
        SELECT a.created_on FROM attempt a, success s
        WHERE a.outcome <> 'SUCCEEDED' AND (s.at IS NULL OR a.created_on > s.at)
    ), last_failure AS (
        SELECT created_on, error FROM attempt WHERE outcome <> 'SUCCEEDED' ORDER BY created_on DESC, id DESC LIMIT 1
    )
    SELECT CASE WHEN EXISTS (SELECT 1 FROM failure_since_success) THEN 'FAILING'
                WHEN (SELECT at FROM success) IS NOT NULL THEN 'HEALTHY'
                ELSE 'UNKNOWN' END,
           (SELECT count(*)::integer FROM failure_since_success),
           (SELECT at FROM success),
           (SELECT created_on FROM last_failure),
           (SELECT error FROM last_failure),
           (SELECT min(created_on) FROM failure_since_success)
$f$;

-- The listing can be filtered by health: the state has a column of its own, kept in step with
-- the view's by every write of the grain.
ALTER TABLE subscription_list ADD COLUMN health_state text NOT NULL DEFAULT 'UNKNOWN';

-- Repair what the listing holds. The view's enums are written by name ("Failing").
UPDATE subscription_list l
SET health_state = h.state,
    view = jsonb_set(l.view, '{health}', jsonb_build_object(
        'state', initcap(h.state),
        'consecutiveFailures', h.consecutive_failures,
        'lastSuccessOn', h.last_success_on,
        'lastFailureOn', h.last_failure_on,
        'lastError', h.last_error,
        'pendingDeliveries', coalesce((l.view -> 'health' -> 'pendingDeliveries')::bigint, 0)))
FROM subscription_list s
CROSS JOIN LATERAL subscription_health_from_log(s.service_id, s.id, s.created_on) h
WHERE l.service_id = s.service_id AND l.id = s.id;

CREATE INDEX subscription_list_health ON subscription_list (service_id, health_state, id);
