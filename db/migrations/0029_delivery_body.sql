-- A webhook body is meta (the subscription's: its id, customId, language; the event's name, id
-- and time) and data (the entity, shaped by the subscription's entityResponse). Subscriptions that
-- shape an event alike get the same data: it is written once per (event, shape) in delivery_body,
-- and each delivery keeps only its meta, in columns. Rows queued before this migration keep their
-- whole body in `body`; rows queued after have `body` null and `occurred_on` set. A row's data is in
-- its own `data` column instead when it must outlive the shared copy (see docs/operations.md).
--
-- The key is not unique: the subscriptions of one event are spread over the silos, which queue it
-- at the same moment, and a unique key would make each silo's write wait for the other's commit
-- (an insert that meets an uncommitted duplicate waits to see whether it commits). A writer skips
-- the data it sees committed; a rare second copy costs less than that wait. Readers take any copy.
CREATE TABLE delivery_body (
    service_id text NOT NULL,
    event_id text NOT NULL,
    shape text NOT NULL,
    data text NOT NULL
);
CREATE INDEX delivery_body_event ON delivery_body (service_id, event_id, shape);

-- Nullable, no default: no existing row is rewritten.
ALTER TABLE delivery_outbox
    ALTER COLUMN body DROP NOT NULL,
    ADD COLUMN occurred_on timestamptz,
    ADD COLUMN custom_id text,
    ADD COLUMN language text,
    ADD COLUMN body_shape text,
    ADD COLUMN data text;
