using System.Collections.Concurrent;
using System.Collections.Immutable;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;

namespace EventsSubscriptions.Grains.Routing;

/// <summary>
/// The routes of one trigger, arranged by the regions their filters name: an event's candidates are
/// the routes of the regions on its path and those of every region, not every route of the
/// trigger, so matching costs what could match, whatever the number of subscriptions.
/// </summary>
public sealed class TriggerRoutes
{
    private static readonly SubscriptionRoute[] None = [];

    private readonly SubscriptionRoute[] anyRegion;
    private readonly Dictionary<long, SubscriptionRoute[]> exact;
    private readonly Dictionary<long, SubscriptionRoute[]> subtree;

    /// <param name="all">The trigger's routes, in subscription id order.</param>
    public TriggerRoutes(SubscriptionRoute[] all)
    {
        All = all;
        var any = new List<SubscriptionRoute>();
        var exactLists = new Dictionary<long, List<SubscriptionRoute>>();
        var subtreeLists = new Dictionary<long, List<SubscriptionRoute>>();
        foreach (var route in all)
        {
            foreach (var filter in route.Scope.Filters.Distinct())
            {
                if (filter.RegionId is not { } region)
                {
                    any.Add(route);
                    continue;
                }
                var lists = filter.IncludeChildren ? subtreeLists : exactLists;
                if (!lists.TryGetValue(region, out var list))
                {
                    lists[region] = list = [];
                }
                list.Add(route);
            }
        }
        anyRegion = [.. any.DistinctBy(r => r.SubscriptionId)];
        exact = exactLists.ToDictionary(p => p.Key, p => p.Value.ToArray());
        subtree = subtreeLists.ToDictionary(p => p.Key, p => p.Value.ToArray());
    }

    /// <summary>Every route of the trigger, in subscription id order.</summary>
    public SubscriptionRoute[] All { get; }

    /// <summary>
    /// The routes a filter of which takes an entity at this region path (itself first, then its
    /// ancestors; empty for an entity with no region), each once, in subscription id order. Their
    /// exclusions and user filters are still to be checked.
    /// </summary>
    public List<SubscriptionRoute> Candidates(IReadOnlyList<long> regionPath)
    {
        var found = new List<SubscriptionRoute>(anyRegion);
        if (regionPath.Count > 0)
        {
            found.AddRange(exact.GetValueOrDefault(regionPath[0], None));
            foreach (var region in regionPath)
            {
                found.AddRange(subtree.GetValueOrDefault(region, None));
            }
        }
        if (found.Count > anyRegion.Length)
        {
            found = [.. found.DistinctBy(r => r.SubscriptionId).OrderBy(r => r.SubscriptionId)];
        }
        return found;
    }
}

/// <summary>
/// One version of a resource's index, arranged for matching: routes by trigger, each trigger's in
/// subscription id order. Immutable: a change makes a new table that shares what did not change.
/// </summary>
public sealed class RouteTable
{
    private static readonly IComparer<SubscriptionRoute> ById = Comparer<SubscriptionRoute>.Create((a, b) => a.SubscriptionId.CompareTo(b.SubscriptionId));

    private readonly ImmutableDictionary<long, SubscriptionRoute> routes;

    public RouteTable(SubscriptionIndexSnapshot snapshot)
    {
        Version = snapshot.Version;
        routes = snapshot.Routes.ToImmutableDictionary(r => r.SubscriptionId);
        ByTrigger = snapshot.Routes
            .SelectMany(r => r.Triggers.Select(t => (Trigger: t, Route: r)))
            .GroupBy(p => p.Trigger, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new TriggerRoutes(g.Select(p => p.Route).Order(ById).ToArray()), StringComparer.Ordinal);
    }

    private RouteTable(long version, ImmutableDictionary<long, SubscriptionRoute> routes, Dictionary<string, TriggerRoutes> byTrigger)
    {
        Version = version;
        this.routes = routes;
        ByTrigger = byTrigger;
    }

    public long Version { get; }

    public IReadOnlyDictionary<string, TriggerRoutes> ByTrigger { get; }

    public int Count => routes.Count;

    /// <summary>
    /// This table with the changes applied: only the triggers of the changed subscriptions are
    /// rebuilt (the others are shared), so a change costs what its triggers hold, not the index.
    /// Valid when this table is at <see cref="SubscriptionIndexChanges.FromVersion"/> or later.
    /// </summary>
    public RouteTable Apply(SubscriptionIndexChanges changes)
    {
        var changed = changes.Upserted.Select(r => r.SubscriptionId).Concat(changes.Removed).ToHashSet();
        var triggers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in changed)
        {
            if (routes.TryGetValue(id, out var old))
            {
                triggers.UnionWith(old.Triggers);
            }
        }
        foreach (var route in changes.Upserted)
        {
            triggers.UnionWith(route.Triggers);
        }
        var next = routes.RemoveRange(changes.Removed).SetItems(changes.Upserted.Select(r => KeyValuePair.Create(r.SubscriptionId, r)));
        var byTrigger = new Dictionary<string, TriggerRoutes>((IDictionary<string, TriggerRoutes>)ByTrigger, StringComparer.Ordinal);
        foreach (var trigger in triggers)
        {
            var kept = byTrigger.TryGetValue(trigger, out var held) ? held.All.Where(r => !changed.Contains(r.SubscriptionId)) : [];
            var rebuilt = kept.Concat(changes.Upserted.Where(r => r.Triggers.Contains(trigger, StringComparer.Ordinal))).Order(ById).ToArray();
            if (rebuilt.Length == 0)
            {
                byTrigger.Remove(trigger);
            }
            else
            {
                byTrigger[trigger] = new TriggerRoutes(rebuilt);
            }
        }
        return new RouteTable(changes.Version, next, byTrigger);
    }
}

/// <summary>
/// The route tables of this silo, one per resource, shared by the resource's routers (one per
/// partition): a silo holds each subscription's route once, whatever the number of partitions.
/// </summary>
public sealed class RouteTableCache
{
    private readonly ConcurrentDictionary<string, RouteTable> tables = new(StringComparer.Ordinal);

    public RouteTable? Get(string resource) => tables.TryGetValue(resource, out var table) ? table : null;

    /// <summary>
    /// Brings the resource's table to the changes' version and returns it; null when the changes
    /// cannot be applied to the table held (older than their starting version): ask again from it.
    /// </summary>
    public RouteTable? Apply(string resource, SubscriptionIndexChanges changes)
    {
        while (true)
        {
            var held = Get(resource);
            RouteTable next;
            if (changes.Whole is { } whole)
            {
                if (held is not null && held.Version >= whole.Version)
                {
                    // Versions only grow (a new activation of the index starts above the last): an
                    // answer that arrives after a newer one does not take the silo's table back.
                    return held;
                }
                next = new RouteTable(whole);
            }
            else if (held is null || held.Version < changes.FromVersion)
            {
                return null;
            }
            else if (held.Version >= changes.Version)
            {
                // Another router of this silo brought it there (or further) meanwhile.
                return held;
            }
            else
            {
                next = held.Apply(changes);
            }
            if (held is null ? tables.TryAdd(resource, next) : tables.TryUpdate(resource, next, held))
            {
                return next;
            }
        }
    }
}
