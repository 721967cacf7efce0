-- Subscription ids: positive, increasing, never reused (a sequence never hands a value out twice,
-- even when the transaction that took it rolls back).
CREATE SEQUENCE subscription_id AS bigint START WITH 1 MINVALUE 1;

-- The listing read model, kept in step by each SubscriptionGrain after it saved its state.
-- "view" is the grain's whole view (never the secret); the other columns serve filters and sorts.
-- A row only ever moves forward: an older version never overwrites a newer one.
CREATE TABLE subscription_list (
    service_id text        NOT NULL,
    id         bigint      NOT NULL,
    custom_id  text        NOT NULL,
    name       text        NOT NULL,
    status     text        NOT NULL,
    resource   text        NOT NULL,
    created_on timestamptz NOT NULL,
    updated_on timestamptz NOT NULL,
    version    integer     NOT NULL,
    view       jsonb       NOT NULL,
    PRIMARY KEY (service_id, id)
);

CREATE INDEX subscription_list_status ON subscription_list (service_id, status, id);
CREATE INDEX subscription_list_custom_id ON subscription_list (service_id, custom_id);
CREATE INDEX subscription_list_created_on ON subscription_list (service_id, created_on);
