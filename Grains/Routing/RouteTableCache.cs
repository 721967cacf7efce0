using System.Collections.Concurrent;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;

namespace EventsSubscriptions.Grains.Routing;

/// <summary>One version of a resource's index, arranged for matching: routes by trigger.</summary>
public sealed class RouteTable
{
    public RouteTable(SubscriptionIndexSnapshot snapshot)
    {
        Version = snapshot.Version;
        ByTrigger = snapshot.Routes
            .SelectMany(r => r.Triggers.Select(t => (Trigger: t, Route: r)))
            .GroupBy(p => p.Trigger, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Route).ToArray(), StringComparer.Ordinal);
    }

    public long Version { get; }

    public IReadOnlyDictionary<string, SubscriptionRoute[]> ByTrigger { get; }
}

/// <summary>
/// The route tables of this silo, one per resource, shared by the resource's routers (one per
/// partition): a silo holds each subscription's route once, whatever the number of partitions.
/// </summary>
public sealed class RouteTableCache
{
    private readonly ConcurrentDictionary<string, RouteTable> tables = new(StringComparer.Ordinal);

    public RouteTable? Get(string resource) => tables.TryGetValue(resource, out var table) ? table : null;

    /// <summary>Keeps the table of this snapshot unless one of the same version is held already; returns the one held.</summary>
    public RouteTable Put(string resource, SubscriptionIndexSnapshot snapshot) =>
        tables.AddOrUpdate(resource,
            _ => new RouteTable(snapshot),
            (_, held) => held.Version == snapshot.Version ? held : new RouteTable(snapshot));
}
