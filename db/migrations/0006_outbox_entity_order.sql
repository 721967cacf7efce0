-- The place of each event among the events of its entity (1, 2, 3… in acceptance order).
-- Deliveries of one entity go out in this order: a stream recovering from a silo crash may hand
-- an older event over after a newer one, and the outbox order (seq) would then be wrong.
ALTER TABLE delivery_outbox ADD COLUMN entity_seq bigint NOT NULL DEFAULT 0;

CREATE INDEX delivery_outbox_entity_order
    ON delivery_outbox (service_id, subscription_id, entity_key, entity_seq) WHERE state = 'PENDING';
