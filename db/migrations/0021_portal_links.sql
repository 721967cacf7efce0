-- Console links (docs/tenants.md, "Portal links"): a one-time URL that signs a browser in to one
-- tenant's console. Only the SHA-256 of the link's secret is kept, so a copy of this table signs no
-- one in. Redeeming deletes the row in the statement that reads it: a link works once, whichever
-- gateway is asked. Rows of links that expired more than a day ago are deleted as new links are made.
CREATE TABLE portal_link (
    service_id      text        NOT NULL,
    secret_hash     bytea       NOT NULL,
    tenant          text        NOT NULL,
    created_by      text        NOT NULL,
    scopes          text        NOT NULL,
    subscription_id bigint,
    read_only       boolean     NOT NULL,
    -- The link maker's token expiry: no session it opens outlives it.
    maker_expires_on timestamptz NOT NULL,
    created_on      timestamptz NOT NULL DEFAULT now(),
    expires_on      timestamptz NOT NULL,
    PRIMARY KEY (service_id, secret_hash)
);

CREATE INDEX portal_link_expires_on ON portal_link (service_id, expires_on);
