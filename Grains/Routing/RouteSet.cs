using System.Collections.Immutable;

namespace EventsSubscriptions.Grains.Routing;

/// <summary>
/// The routes filed at one place of a trigger (every region, one region, or a region's subtree),
/// indexed by their <see cref="FilterGuard"/>: routes with an equality filed under each value,
/// routes with a numeric bound kept sorted by it, the rest kept plain. An event's candidates are
/// the plain routes and those whose guard its entity passes, found by look-up and binary search,
/// so the cost follows what can match rather than how many routes there are. Immutable: adding
/// or removing a route costs the logarithm of the set and shares the rest.
/// </summary>
internal sealed class RouteSet
{
    public static readonly RouteSet Empty = new(
        ImmutableSortedDictionary<long, SubscriptionRoute>.Empty,
        ImmutableDictionary.Create<string, ImmutableDictionary<ValueKey, ImmutableDictionary<long, SubscriptionRoute>>>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, ImmutableSortedSet<Bounded>>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, ImmutableSortedSet<Bounded>>(StringComparer.Ordinal),
        0);

    private readonly ImmutableSortedDictionary<long, SubscriptionRoute> plain;
    private readonly ImmutableDictionary<string, ImmutableDictionary<ValueKey, ImmutableDictionary<long, SubscriptionRoute>>> equal;
    private readonly ImmutableDictionary<string, ImmutableSortedSet<Bounded>> lower;
    private readonly ImmutableDictionary<string, ImmutableSortedSet<Bounded>> upper;

    private RouteSet(
        ImmutableSortedDictionary<long, SubscriptionRoute> plain,
        ImmutableDictionary<string, ImmutableDictionary<ValueKey, ImmutableDictionary<long, SubscriptionRoute>>> equal,
        ImmutableDictionary<string, ImmutableSortedSet<Bounded>> lower,
        ImmutableDictionary<string, ImmutableSortedSet<Bounded>> upper,
        int count)
    {
        this.plain = plain;
        this.equal = equal;
        this.lower = lower;
        this.upper = upper;
        Count = count;
    }

    public int Count { get; }

    public RouteSet Add(SubscriptionRoute route) => Change(route, adding: true);

    /// <summary>This set without the route (the instance that was added, or one with the same filters).</summary>
    public RouteSet Remove(SubscriptionRoute route) => Change(route, adding: false);

    private RouteSet Change(SubscriptionRoute route, bool adding)
    {
        var id = route.SubscriptionId;
        var count = Count + (adding ? 1 : -1);
        var guard = FilterGuard.Of(route);
        switch (guard.Kind)
        {
            case GuardKind.Equality:
                var path = guard.Condition!.Path;
                var byValue = equal.GetValueOrDefault(path) ?? ImmutableDictionary<ValueKey, ImmutableDictionary<long, SubscriptionRoute>>.Empty;
                foreach (var key in guard.Condition.Values.SelectMany(ValueKey.OfFilterValue).Distinct())
                {
                    var routes = byValue.GetValueOrDefault(key) ?? ImmutableDictionary<long, SubscriptionRoute>.Empty;
                    routes = adding ? routes.SetItem(id, route) : routes.Remove(id);
                    byValue = routes.IsEmpty ? byValue.Remove(key) : byValue.SetItem(key, routes);
                }
                return new RouteSet(plain, byValue.IsEmpty ? equal.Remove(path) : equal.SetItem(path, byValue), lower, upper, count);
            case GuardKind.Lower:
                return new RouteSet(plain, equal, Bounds(lower, guard, route, adding), upper, count);
            case GuardKind.Upper:
                return new RouteSet(plain, equal, lower, Bounds(upper, guard, route, adding), count);
            default:
                return new RouteSet(adding ? plain.SetItem(id, route) : plain.Remove(id), equal, lower, upper, count);
        }
    }

    private static ImmutableDictionary<string, ImmutableSortedSet<Bounded>> Bounds(
        ImmutableDictionary<string, ImmutableSortedSet<Bounded>> byPath, FilterGuard guard, SubscriptionRoute route, bool adding)
    {
        var path = guard.Condition!.Path;
        var sorted = byPath.GetValueOrDefault(path) ?? ImmutableSortedSet.Create(Bounded.Order);
        var entry = new Bounded(guard.Bound, route);
        sorted = adding ? sorted.Add(entry) : sorted.Remove(entry);
        return sorted.IsEmpty ? byPath.Remove(path) : byPath.SetItem(path, sorted);
    }

    /// <summary>
    /// Adds the set's candidates of an entity to <paramref name="into"/>; true when what it added
    /// is in subscription id order without repeats (the plain routes alone).
    /// </summary>
    public bool Collect(EntityFields entity, List<SubscriptionRoute> into)
    {
        into.AddRange(plain.Values);
        var ordered = true;
        // Most sets hold no equality: no list is made for them, once per event.
        var keys = equal.IsEmpty ? null : new List<ValueKey>();
        foreach (var (path, byValue) in equal)
        {
            keys!.Clear();
            ValueKey.OfField(entity.Field(path), keys);
            foreach (var key in keys)
            {
                if (byValue.TryGetValue(key, out var routes))
                {
                    into.AddRange(routes.Values);
                    ordered = false;
                }
            }
        }
        foreach (var (path, sorted) in lower)
        {
            if (Interfaces.Filters.FilterEvaluator.AsNumber(entity.Field(path)) is { } value)
            {
                // Routes whose lower bound is at most the value: the start of the order.
                foreach (var entry in sorted)
                {
                    if (entry.Bound > value)
                    {
                        break;
                    }
                    into.Add(entry.Route);
                    ordered = false;
                }
            }
        }
        foreach (var (path, sorted) in upper)
        {
            if (Interfaces.Filters.FilterEvaluator.AsNumber(entity.Field(path)) is { } value)
            {
                // Routes whose upper bound is at least the value: the end of the order.
                foreach (var entry in sorted.Reverse())
                {
                    if (entry.Bound < value)
                    {
                        break;
                    }
                    into.Add(entry.Route);
                    ordered = false;
                }
            }
        }
        return ordered;
    }

    /// <summary>Builds the set of many routes at once (a whole index), as adding each would.</summary>
    public static RouteSet Build(IReadOnlyCollection<SubscriptionRoute> routes)
    {
        var plain = ImmutableSortedDictionary.CreateBuilder<long, SubscriptionRoute>();
        var equal = new Dictionary<string, Dictionary<ValueKey, ImmutableDictionary<long, SubscriptionRoute>.Builder>>(StringComparer.Ordinal);
        var lower = new Dictionary<string, ImmutableSortedSet<Bounded>.Builder>(StringComparer.Ordinal);
        var upper = new Dictionary<string, ImmutableSortedSet<Bounded>.Builder>(StringComparer.Ordinal);
        foreach (var route in routes)
        {
            var guard = FilterGuard.Of(route);
            switch (guard.Kind)
            {
                case GuardKind.Equality:
                    if (!equal.TryGetValue(guard.Condition!.Path, out var byValue))
                    {
                        equal[guard.Condition.Path] = byValue = [];
                    }
                    foreach (var key in guard.Condition.Values.SelectMany(ValueKey.OfFilterValue).Distinct())
                    {
                        if (!byValue.TryGetValue(key, out var keyed))
                        {
                            byValue[key] = keyed = ImmutableDictionary.CreateBuilder<long, SubscriptionRoute>();
                        }
                        keyed[route.SubscriptionId] = route;
                    }
                    break;
                case GuardKind.Lower or GuardKind.Upper:
                    var bounds = guard.Kind == GuardKind.Lower ? lower : upper;
                    if (!bounds.TryGetValue(guard.Condition!.Path, out var sorted))
                    {
                        bounds[guard.Condition.Path] = sorted = ImmutableSortedSet.CreateBuilder(Bounded.Order);
                    }
                    sorted.Add(new Bounded(guard.Bound, route));
                    break;
                default:
                    plain[route.SubscriptionId] = route;
                    break;
            }
        }
        return new RouteSet(
            plain.ToImmutable(),
            equal.ToImmutableDictionary(p => p.Key, p => p.Value.ToImmutableDictionary(k => k.Key, k => k.Value.ToImmutable()), StringComparer.Ordinal),
            lower.ToImmutableDictionary(p => p.Key, p => p.Value.ToImmutable(), StringComparer.Ordinal),
            upper.ToImmutableDictionary(p => p.Key, p => p.Value.ToImmutable(), StringComparer.Ordinal),
            routes.Count);
    }

    /// <summary>A route filed by a numeric bound; ordered by the bound, then by subscription id.</summary>
    internal readonly record struct Bounded(double Bound, SubscriptionRoute Route)
    {
        public static readonly IComparer<Bounded> Order = Comparer<Bounded>.Create((a, b) =>
            a.Bound != b.Bound ? a.Bound.CompareTo(b.Bound) : a.Route.SubscriptionId.CompareTo(b.Route.SubscriptionId));
    }
}
