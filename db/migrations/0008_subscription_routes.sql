-- The routing index of a resource is loaded from the read model when its grain activates
-- (it is no longer a grain state rewritten whole on every subscription change): find a
-- resource's live subscriptions without reading the others.
CREATE INDEX subscription_list_resource ON subscription_list (service_id, resource) WHERE status <> 'ARCHIVED';
