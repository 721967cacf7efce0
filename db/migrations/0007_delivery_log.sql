-- One row per delivery attempt (and per cancellation), written with the attempt's outcome on
-- the outbox row in the same statement, batched across the grains of a silo.
CREATE TABLE delivery_log (
    service_id       text        NOT NULL,
    id               bigint      GENERATED ALWAYS AS IDENTITY,
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
    PRIMARY KEY (service_id, id)
);

CREATE INDEX delivery_log_subscription ON delivery_log (service_id, subscription_id, id DESC);
CREATE INDEX delivery_log_created_on ON delivery_log (created_on);
