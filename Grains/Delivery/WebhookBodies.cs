using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
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
    /// <summary>How long after its acceptance an event's data is shared by its deliveries (see <see cref="SharedShape"/>).</summary>
    public static readonly TimeSpan SharedFor = TimeSpan.FromDays(1);

    public static async Task<string> BuildAsync(IGrainFactory grains, RelationMap relations, string tenant, long subscriptionId,
        SubscriptionSpec spec, EntityEvent entityEvent) =>
        WebhookPayload.Compose(WebhookMeta.Of(subscriptionId, spec, entityEvent.Name, entityEvent.EventId, entityEvent.OccurredOn, entityEvent.ActionBody),
            await DataAsync(grains, relations, tenant, spec, entityEvent));

    /// <summary><c>data</c>: the entity as the subscription shapes it.</summary>
    public static async Task<string> DataAsync(IGrainFactory grains, RelationMap relations, string tenant, SubscriptionSpec spec, EntityEvent entityEvent)
    {
        if (!Shapes(spec))
        {
            // Nothing to shape: the entity goes as stored.
            return WebhookPayload.Data(entityEvent.Snapshot);
        }
        var entity = JsonNode.Parse(entityEvent.Snapshot)!.AsObject();
        var data = await EntityShaper.ShapeAsync(entity, spec.EntityResponse?.Include ?? [], spec.EntityResponse?.Fields ?? [], relations,
            async (resource, id) => await grains.GetGrainFast<IEntityGrain>(EntityKey.Format(Tenants.Qualify(tenant, resource), id)).GetAsync() is { } json
                ? JsonNode.Parse(json)!.AsObject()
                : null);
        return WebhookPayload.Data(data);
    }

    /// <summary>
    /// The key under which the deliveries of one event share its data: subscriptions that shape
    /// alike (the same fields and includes, in the same order) have the same key. Null when the
    /// delivery keeps its data in its own row: an event accepted over <see cref="SharedFor"/> ago (or
    /// with an id that does not say when), queued late by a backfill or a dead letter. Shared data
    /// goes at retention by the event's time, so every row that refers to it must be queued soon after.
    /// </summary>
    public static string? SharedShape(SubscriptionSpec spec, string eventId, DateTimeOffset now)
    {
        if (EventIds.AcceptedOn(eventId) is not { } accepted || accepted < now - SharedFor || accepted > now + TimeSpan.FromHours(1))
        {
            return null;
        }
        return Shapes(spec) ? ShapeKeys.GetValue(spec.EntityResponse!, ShapeKey) : "entity";
    }

    /// <summary>Each shaping's key, made once per spec rather than per delivery.</summary>
    private static readonly ConditionalWeakTable<EntityResponse, string> ShapeKeys = new();

    private static string ShapeKey(EntityResponse shaping)
    {
        var text = string.Join('\n', ["fields", .. shaping.Fields, "include", .. shaping.Include]);
        return "shaped:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 12));
    }

    private static bool Shapes(SubscriptionSpec spec) =>
        spec.EntityResponse?.Include is { Length: > 0 } || spec.EntityResponse?.Fields is { Length: > 0 };
}
