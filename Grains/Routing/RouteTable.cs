using System.Collections.Immutable;

namespace EventsSubscriptions.Grains.Routing;

/// <summary>
/// One version of a resource's index, arranged for matching: routes by trigger
/// (<see cref="TriggerRoutes"/>). Immutable: a change makes a new table that shares what did not
/// change, so routers still matching against the old one are not disturbed.
/// </summary>
public sealed class RouteTable
{
    private readonly ImmutableDictionary<long, SubscriptionRoute> routes;
    private readonly ImmutableDictionary<string, TriggerRoutes> byTrigger;

    public RouteTable(SubscriptionIndexSnapshot snapshot)
    {
        Version = snapshot.Version;
        routes = snapshot.Routes.ToImmutableDictionary(r => r.SubscriptionId);
        byTrigger = routes.Values
            .SelectMany(r => r.Triggers.Distinct(StringComparer.Ordinal).Select(t => (Trigger: t, Route: r)))
            .GroupBy(p => p.Trigger, StringComparer.Ordinal)
            .ToImmutableDictionary(g => g.Key, g => TriggerRoutes.Build(g.Select(p => p.Route)), StringComparer.Ordinal);
    }

    private RouteTable(long version, ImmutableDictionary<long, SubscriptionRoute> routes, ImmutableDictionary<string, TriggerRoutes> byTrigger)
    {
        Version = version;
        this.routes = routes;
        this.byTrigger = byTrigger;
    }

    public long Version { get; }

    public IReadOnlyDictionary<string, TriggerRoutes> ByTrigger => byTrigger;

    public int Count => routes.Count;

    /// <summary>
    /// This table with the changes applied, route by route: each changed subscription leaves the
    /// triggers it had and joins those it has, so a change costs the logarithm of its triggers'
    /// routes, whatever the size of the index. Valid when this table is at
    /// <see cref="SubscriptionIndexChanges.FromVersion"/> or later.
    /// </summary>
    public RouteTable Apply(SubscriptionIndexChanges changes)
    {
        var nextRoutes = routes.ToBuilder();
        var nextTriggers = byTrigger.ToBuilder();
        void Leave(long id)
        {
            if (!nextRoutes.TryGetValue(id, out var old))
            {
                return;
            }
            nextRoutes.Remove(id);
            foreach (var trigger in old.Triggers.Distinct(StringComparer.Ordinal))
            {
                var rest = nextTriggers[trigger].Without(id);
                if (rest.Count == 0)
                {
                    nextTriggers.Remove(trigger);
                }
                else
                {
                    nextTriggers[trigger] = rest;
                }
            }
        }
        foreach (var id in changes.Removed)
        {
            Leave(id);
        }
        foreach (var route in changes.Upserted)
        {
            Leave(route.SubscriptionId);
            nextRoutes[route.SubscriptionId] = route;
            foreach (var trigger in route.Triggers.Distinct(StringComparer.Ordinal))
            {
                nextTriggers[trigger] = nextTriggers.GetValueOrDefault(trigger, TriggerRoutes.Empty).With(route);
            }
        }
        return new RouteTable(changes.Version, nextRoutes.ToImmutable(), nextTriggers.ToImmutable());
    }
}
