using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Regions;
using EventsSubscriptions.Grains.Interfaces.Tenants;
using EventsSubscriptions.Grains.Interfaces.Text;

namespace EventsSubscriptions.Gateway.Apis;

/// <summary>
/// Read-only views for operators (ext), used by the console: a region's subtree, and the recent
/// events of a resource with the subscriptions that queued them.
/// </summary>
public static class OperationsViewsApi
{
    private const int MaxRegions = 500;

    /// <summary>Levels below the asked region, at most (a deeper part is asked for by its own id).</summary>
    private const int MaxLevels = 20;

    /// <summary>A region with its name and children; <c>childCount</c> counts them all, listed or not.</summary>
    public sealed record RegionNode(long Id, string? Name, int ChildCount, IReadOnlyList<RegionNode> Children);

    public sealed record RecentEventItem(string EventId, string Event, string EntityKey, DateTime QueuedOn, IReadOnlyList<RecentDeliveryItem> Subscriptions);

    public sealed record RecentDeliveryItem(long Subscription, string State, int Attempts);

    public static IEndpointRouteBuilder MapOperationsViewsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/rest/v1/regions/{id:long}/tree", TreeAsync).RequireAuthorization(Scopes.EntitiesRead)
            .WithTags("Entities").WithName("RegionTree")
            .WithSummary("A region and its subtree (ext).")
            .WithDescription($"Each region with its name, its number of children and those listed: at most {MaxRegions} regions, "
                + $"breadth first, {MaxLevels} levels below the region asked for. Where childCount exceeds the children listed, ask for a listed child's own tree.");
        app.MapGet("/rest/v1/recent-events", RecentAsync).RequireAuthorization(Scopes.SubscriptionsRead, Scopes.EntitiesRead)
            .WithTags("Events subscriptions").WithName("RecentEvents")
            .WithSummary("The newest events of a resource, with the subscriptions that queued them (ext).")
            .WithDescription("resource= (required), limit= 1-200 (default 50). Events of the last 24 hours.");
        return app;
    }

    private static async Task<Results<Ok<DataResponse<RegionNode>>, ProblemHttpResult>> TreeAsync(long id, IClusterClient grains)
    {
        var tenant = Tenants.OfRequest ?? Tenants.Default;
        var entries = await grains.GetGrain<IRegionTreeGrain>(tenant).SubtreeAsync(id, MaxRegions, MaxLevels);
        if (entries.Length == 0)
        {
            return Problems.NotFound(EntitiesApi.NoEntity("regions", id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        var names = await Task.WhenAll(entries.Select(async e =>
        {
            var entity = await grains.GetGrain<IEntityGrain>(EntityKey.Format(Tenants.Qualify(tenant, "regions"), e.Id)).GetAsync();
            return entity is null ? null : JsonNode.Parse(entity)?["name"]?.ToString();
        }));
        // Breadth first: every region comes after its parent, so each is built before it is needed.
        var listed = new Dictionary<long, List<RegionNode>>();
        var nodes = new RegionNode[entries.Length];
        for (var i = entries.Length - 1; i >= 0; i--)
        {
            var entry = entries[i];
            var children = listed.GetValueOrDefault(entry.Id) ?? [];
            children.Reverse();
            nodes[i] = new RegionNode(entry.Id, names[i], entry.ChildCount, children);
            if (entry.Parent is { } parent)
            {
                if (!listed.TryGetValue(parent, out var siblings))
                {
                    listed[parent] = siblings = [];
                }
                siblings.Add(nodes[i]);
            }
        }
        return TypedResults.Ok(new DataResponse<RegionNode>(nodes[0]));
    }

    private static async Task<Results<Ok<ListResponse<RecentEventItem>>, ValidationProblem>> RecentAsync(string? resource, int? limit, IClusterClient grains)
    {
        var errors = new ValidationErrors();
        if (resource is null || !Patterns.Name().IsMatch(resource) || resource.Length > 64)
        {
            errors.Add("resource", "is required: a resource name such as employees");
        }
        if (limit is < 1 or > 200)
        {
            errors.Add("limit", "must be an integer from 1 to 200");
        }
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        var events = await grains.GetGrain<ISubscriptionQueryGrain>(0).RecentEventsAsync(Tenants.OfRequest ?? Tenants.Default, resource!, limit ?? 50);
        var items = events.Select(e => new RecentEventItem(e.EventId, e.EventName, e.EntityKey, e.QueuedOn.UtcDateTime,
            [.. e.Deliveries.Select(d => new RecentDeliveryItem(d.SubscriptionId, WireText.Of(d.State), d.Attempts))])).ToList();
        return TypedResults.Ok(new ListResponse<RecentEventItem>(new ListMeta(items.Count, items.Count, limit ?? 50, 0), items));
    }
}
