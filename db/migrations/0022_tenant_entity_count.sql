-- A tenant's entity limit (docs/tenants.md, "Limits of a tenant") counts the tenant's entities by
-- this index. entity_state.resource is 'tenant:resource' for every tenant but the default one,
-- whose resources carry no prefix. The indexed expression never changes for a row, so updates of
-- an entity stay HOT updates; only a new entity writes one more index entry.
CREATE FUNCTION entity_tenant(resource text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$ SELECT CASE WHEN strpos(resource, ':') > 0 THEN split_part(resource, ':', 1) ELSE 'default' END $fn$;

CREATE INDEX entity_state_tenant ON entity_state (service_id, entity_tenant(resource));
