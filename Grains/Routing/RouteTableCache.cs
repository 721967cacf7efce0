using System.Collections.Concurrent;
using System.Collections.Immutable;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;

namespace EventsSubscriptions.Grains.Routing;

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
            .ToDictionary(g => g.Key, g => g.Select(p => p.Route).Order(ById).ToArray(), StringComparer.Ordinal);
    }

    private RouteTable(long version, ImmutableDictionary<long, SubscriptionRoute> routes, Dictionary<string, SubscriptionRoute[]> byTrigger)
    {
        Version = version;
        this.routes = routes;
        ByTrigger = byTrigger;
    }

    public long Version { get; }

    public IReadOnlyDictionary<string, SubscriptionRoute[]> ByTrigger { get; }

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
        var byTrigger = new Dictionary<string, SubscriptionRoute[]>((IDictionary<string, SubscriptionRoute[]>)ByTrigger, StringComparer.Ordinal);
        foreach (var trigger in triggers)
        {
            var kept = byTrigger.TryGetValue(trigger, out var held) ? held.Where(r => !changed.Contains(r.SubscriptionId)) : [];
            var rebuilt = kept.Concat(changes.Upserted.Where(r => r.Triggers.Contains(trigger, StringComparer.Ordinal))).Order(ById).ToArray();
            if (rebuilt.Length == 0)
            {
                byTrigger.Remove(trigger);
            }
            else
            {
                byTrigger[trigger] = rebuilt;
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
