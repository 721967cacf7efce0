-- An event that one subscription could not queue while the others of the same event did (a
-- poison subscription): kept here instead of holding back the whole stream queue. The
-- subscription takes its rows back, in acceptance order, the next time its grain activates.
CREATE TABLE routing_dead_letter (
    service_id      text        NOT NULL,
    subscription_id bigint      NOT NULL,
    event_id        text        NOT NULL,
    event           text        NOT NULL,
    error           text        NOT NULL,
    created_on      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, subscription_id, event_id)
);

-- Who created each subscription (the token's subject), so that a caller's live subscriptions can
-- be counted against its quota. Subscriptions created before this version have none.
ALTER TABLE subscription_list ADD COLUMN created_by text;
CREATE INDEX subscription_list_created_by ON subscription_list (service_id, created_by) WHERE status <> 'ARCHIVED';
