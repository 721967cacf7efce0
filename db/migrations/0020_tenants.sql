-- Tenants: one service for many customers (docs/tenants.md).
--
-- Entities, their events, routers and subscription indexes need no column: their keys carry the
-- tenant (a resource other than the default tenant's is stored as 'tenant:resource' in
-- entity_state.resource), so the rows written before tenants are the default tenant's as they are.
-- Subscriptions and regions are numbered by ids that are not the resource's: they say their tenant.
ALTER TABLE subscription_list ADD COLUMN tenant text NOT NULL DEFAULT 'default';

-- Lists, the recent events and the per-caller quota read one tenant's subscriptions.
CREATE INDEX subscription_list_tenant ON subscription_list (service_id, tenant, status, id);
DROP INDEX subscription_list_resource;
CREATE INDEX subscription_list_resource ON subscription_list (service_id, tenant, resource) WHERE status <> 'ARCHIVED';
DROP INDEX subscription_list_created_by;
CREATE INDEX subscription_list_created_by ON subscription_list (service_id, tenant, created_by) WHERE status <> 'ARCHIVED';

-- Region ids are the tenant's own: the same id in two tenants is two regions.
ALTER TABLE region_tree ADD COLUMN tenant text NOT NULL DEFAULT 'default';
ALTER TABLE region_tree DROP CONSTRAINT region_tree_pkey;
ALTER TABLE region_tree ADD PRIMARY KEY (service_id, tenant, id);
