-- Idempotency keys (docs/api.md, "Idempotency-Key"): a POST sent again with the same key by the
-- same caller of the same tenant within 24 hours is answered with the first answer, stored here,
-- instead of acting twice. status is null while the first request runs. Rows older than a day are
-- deleted as new keys are claimed.
CREATE TABLE idempotency_key (
    service_id   text        NOT NULL,
    tenant       text        NOT NULL,
    caller       text        NOT NULL,
    key          text        NOT NULL,
    request_hash bytea       NOT NULL,
    status       integer,
    headers      text,
    body         bytea,
    created_on   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, tenant, caller, key)
);

CREATE INDEX idempotency_key_created_on ON idempotency_key (service_id, created_on);
