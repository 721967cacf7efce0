-- Ids for entities created by POST: positive, never reused.
CREATE SEQUENCE entity_id AS bigint START WITH 1 MINVALUE 1;

-- Deliveries queued by subscription grains: one row per (subscription, event), written in batches
-- by each silo's outbox writer. The primary key makes a re-delivered event queue once; seq keeps
-- the order in which a subscription queued its events.
CREATE TABLE delivery_outbox (
    service_id      text        NOT NULL,
    subscription_id bigint      NOT NULL,
    event_id        text        NOT NULL,
    seq             bigint      GENERATED ALWAYS AS IDENTITY,
    entity_key      text        NOT NULL,
    event_name      text        NOT NULL,
    body            text        NOT NULL,
    state           text        NOT NULL DEFAULT 'PENDING',
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_on timestamptz,
    created_on      timestamptz NOT NULL,
    PRIMARY KEY (service_id, subscription_id, event_id)
);

CREATE INDEX delivery_outbox_pending
    ON delivery_outbox (service_id, subscription_id, seq) WHERE state = 'PENDING';
