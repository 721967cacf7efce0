using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Tenants;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>
/// The webhook body of an event for a subscription: <c>meta</c>, and the entity shaped by the
/// subscription's <c>entityResponse</c>, related entities read now. What a delivery queues and
/// what a preview shows are built here, so they cannot differ.
/// </summary>
public static class WebhookBodies
{
    public static async Task<string> BuildAsync(IGrainFactory grains, RelationMap relations, string tenant, long subscriptionId,
        SubscriptionSpec spec, EntityEvent entityEvent)
    {
        if (spec.EntityResponse?.Include is not { Length: > 0 } && spec.EntityResponse?.Fields is not { Length: > 0 })
        {
            // Nothing to shape: the entity goes as stored.
            return WebhookPayload.Build(subscriptionId, spec, entityEvent.Name, entityEvent.EventId, entityEvent.OccurredOn, entityEvent.Snapshot);
        }
        var entity = JsonNode.Parse(entityEvent.Snapshot)!.AsObject();
        var data = await EntityShaper.ShapeAsync(entity, spec.EntityResponse?.Include ?? [], spec.EntityResponse?.Fields ?? [], relations,
            async (resource, id) => await grains.GetGrainFast<IEntityGrain>(EntityKey.Format(Tenants.Qualify(tenant, resource), id)).GetAsync() is { } json
                ? JsonNode.Parse(json)!.AsObject()
                : null);
        return WebhookPayload.Build(subscriptionId, spec, entityEvent.Name, entityEvent.EventId, entityEvent.OccurredOn, data);
    }
}
