-- The W3C trace context (traceparent) of the API call that changed the entity, kept with each
-- delivery so that its webhook call continues that trace, however long it waits. Null when
-- tracing is off (Telemetry__OtlpEndpoint unset). Nullable, no default: no row is rewritten.
ALTER TABLE delivery_outbox ADD COLUMN trace_parent text;
