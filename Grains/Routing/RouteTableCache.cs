using System.Collections.Concurrent;

namespace EventsSubscriptions.Grains.Routing;

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
