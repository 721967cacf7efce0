using EventsSubscriptions.Grains.Interfaces.Filters;

namespace EventsSubscriptions.Grains.Routing;

/// <summary>
/// Whether a route selects an entity, its trigger aside: its scope takes the entity's region path
/// and its filters take the entity. The one test of the router, the preview and the backfill.
/// </summary>
public static class RouteSelection
{
    public static bool Selects(SubscriptionRoute route, IReadOnlyList<long> regionPath, EntityFields entity) =>
        ScopeMatcher.Matches(route.Scope, regionPath)
        && (route.Filters.Length == 0 || FilterEvaluator.Matches(route.Filters, entity.Entity));
}
