-- Where the re-encryption of stored secrets under the current key stands (docs/operations.md,
-- "Rotating keys"): the key it works for (its id: the start of its SHA-256, never the key), the
-- last subscription id it passed, and whether every subscription was passed. A new key starts over.
CREATE TABLE secret_rekeying (
    service_id text        PRIMARY KEY,
    key_id     text        NOT NULL,
    after_id   bigint      NOT NULL,
    done       boolean     NOT NULL,
    rekeyed    bigint      NOT NULL,
    updated_on timestamptz NOT NULL
);
