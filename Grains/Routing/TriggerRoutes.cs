using System.Collections.Immutable;

namespace EventsSubscriptions.Grains.Routing;

/// <summary>
/// The routes of one trigger, filed by the regions their scope names (every region, one region,
/// a region's subtree) and, within each, by their filters (<see cref="RouteSet"/>): an event's
/// candidates are found among the places on its region path by look-up, so matching costs what
/// could match, whatever the number of subscriptions. Immutable: a route added or removed costs
/// the logarithm of the trigger's routes and shares everything else.
/// </summary>
public sealed class TriggerRoutes
{
    public static readonly TriggerRoutes Empty = new(ImmutableSortedDictionary<long, SubscriptionRoute>.Empty, ImmutableDictionary<Place, RouteSet>.Empty);

    private static readonly Comparison<SubscriptionRoute> ById = (a, b) => a.SubscriptionId.CompareTo(b.SubscriptionId);

    private readonly ImmutableSortedDictionary<long, SubscriptionRoute> all;
    private readonly ImmutableDictionary<Place, RouteSet> sets;

    private TriggerRoutes(ImmutableSortedDictionary<long, SubscriptionRoute> all, ImmutableDictionary<Place, RouteSet> sets)
    {
        this.all = all;
        this.sets = sets;
    }

    /// <summary>Builds the routes of a trigger at once (a whole index), as adding each would.</summary>
    public static TriggerRoutes Build(IEnumerable<SubscriptionRoute> routes)
    {
        var byId = routes.ToImmutableSortedDictionary(r => r.SubscriptionId, r => r);
        var sets = byId.Values
            .SelectMany(route => Place.Of(route).Select(place => (Place: place, Route: route)))
            .GroupBy(p => p.Place)
            .ToImmutableDictionary(g => g.Key, g => RouteSet.Build([.. g.Select(p => p.Route)]));
        return new TriggerRoutes(byId, sets);
    }

    /// <summary>Every route of the trigger, in subscription id order.</summary>
    public IEnumerable<SubscriptionRoute> All => all.Values;

    public int Count => all.Count;

    /// <summary>These routes with this one added, or in place of the route of the same subscription.</summary>
    public TriggerRoutes With(SubscriptionRoute route)
    {
        var held = Without(route.SubscriptionId);
        var sets = held.sets;
        foreach (var place in Place.Of(route))
        {
            sets = sets.SetItem(place, sets.GetValueOrDefault(place, RouteSet.Empty).Add(route));
        }
        return new TriggerRoutes(held.all.Add(route.SubscriptionId, route), sets);
    }

    /// <summary>These routes without the subscription's (the same when it has none here).</summary>
    public TriggerRoutes Without(long subscriptionId)
    {
        if (!all.TryGetValue(subscriptionId, out var route))
        {
            return this;
        }
        var sets = this.sets;
        foreach (var place in Place.Of(route))
        {
            var rest = sets[place].Remove(route);
            sets = rest.Count == 0 ? sets.Remove(place) : sets.SetItem(place, rest);
        }
        return new TriggerRoutes(all.Remove(subscriptionId), sets);
    }

    /// <summary>
    /// The routes that can take an entity at this region path (itself first, then its ancestors;
    /// empty for an entity with no region), each once, in subscription id order: those filed at a
    /// place on the path whose filter guard the entity passes. Their exclusions and full filters
    /// are still to be checked.
    /// </summary>
    public List<SubscriptionRoute> Candidates(IReadOnlyList<long> regionPath, EntityFields entity)
    {
        var found = new List<SubscriptionRoute>();
        var ordered = true;
        var contributing = 0;
        void From(Place place)
        {
            if (sets.TryGetValue(place, out var set))
            {
                var before = found.Count;
                ordered &= set.Collect(entity, found);
                contributing += found.Count > before ? 1 : 0;
            }
        }
        From(Place.AnyRegion);
        if (regionPath.Count > 0)
        {
            From(new Place(regionPath[0], Subtree: false));
            foreach (var region in regionPath)
            {
                From(new Place(region, Subtree: true));
            }
        }
        if (!ordered || contributing > 1)
        {
            found.Sort(ById);
            var kept = 0;
            for (var i = 0; i < found.Count; i++)
            {
                if (kept == 0 || found[kept - 1].SubscriptionId != found[i].SubscriptionId)
                {
                    found[kept++] = found[i];
                }
            }
            found.RemoveRange(kept, found.Count - kept);
        }
        return found;
    }

    /// <summary>Where a scope filter files its route: every region (no region), one region, or a region's subtree.</summary>
    internal readonly record struct Place(long? Region, bool Subtree)
    {
        public static readonly Place AnyRegion = new(null, false);

        public static IEnumerable<Place> Of(SubscriptionRoute route) =>
            route.Scope.Filters.Select(f => f.RegionId is { } region ? new Place(region, f.IncludeChildren) : AnyRegion).Distinct();
    }
}
