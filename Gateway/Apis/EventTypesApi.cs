using EventsSubscriptions.Grains.Interfaces.Entities;

namespace EventsSubscriptions.Gateway.Apis;

/// <summary><c>GET /rest/v1/event-types</c> (ext): the events a subscription can name, with an example payload each.</summary>
public static class EventTypesApi
{
    public sealed record EventType(string Event, string Resource, string Trigger, string Description, JsonObject ExamplePayload);

    public sealed record EventTypeCount(int Count);

    public sealed record EventTypeList(EventTypeCount Meta, IReadOnlyList<EventType> Data);

    public static IEndpointRouteBuilder MapEventTypesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/rest/v1/event-types", (ResourceCatalog catalog) =>
            {
                var types = catalog.All.SelectMany(r => r.Triggers.Select(t => new EventType(
                    $"entity:{r.Name}:{t}", r.Name, t,
                    t switch
                    {
                        EntityTriggers.Created => $"A new entity of {r.Name}: {r.Description.ToLowerInvariant()}",
                        EntityTriggers.Updated => $"An entity of {r.Name} changed",
                        EntityTriggers.Deleted => $"An entity of {r.Name} was deleted (the payload holds its last state)",
                        _ => $"The action {t} on an entity of {r.Name}",
                    },
                    new JsonObject
                    {
                        ["meta"] = new JsonObject
                        {
                            ["event"] = $"entity:{r.Name}:{t}", ["eventId"] = "01936f4e-8a2b-7c3d-9e4f-5a6b7c8d9e0f", ["subscription"] = 12,
                            ["customId"] = "hr-sync-eu", ["occurredOn"] = "2026-11-28T22:00:00.000Z", ["language"] = "en-US",
                        },
                        ["data"] = r.Example.DeepClone(),
                    }))).ToList();
                return TypedResults.Ok(new EventTypeList(new EventTypeCount(types.Count), types));
            })
            .RequireAuthorization(Scopes.SubscriptionsRead)
            .WithTags("Events subscriptions")
            .WithName("ListEventTypes")
            .WithSummary("The events a subscription can name, with an example payload each.")
            .WithDescription("The resources the service declares and their triggers (created, updated, deleted and the actions). " +
                             "Any other lowercase plural resource works too; a name one or two letters away from a declared one is refused as a likely typo.");
        return app;
    }
}
