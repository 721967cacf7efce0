using EventsSubscriptions.Grains.Interfaces.Regions;

namespace EventsSubscriptions.Gateway.Subscriptions;

/// <summary>
/// A scope may name a region that does not exist (yet): it is kept, since a tree is often built
/// after the subscriptions that watch it, and the answer says so, naming the tag (docs/api.md).
/// </summary>
public static class RegionWarnings
{
    /// <summary>At most this many regions of one scope are looked up; a scope names up to 1,100.</summary>
    private const int MaxLookups = 1_100;

    public static async Task<IReadOnlyList<string>?> ForAsync(IClusterClient grains, string tenant, SubscriptionSpec spec)
    {
        var named = spec.ContextFilters.Filters.Select((f, i) => (f.RegionId, Field: $"contextFilters.filters[{i}].tag"))
            .Concat(spec.ContextFilters.Exclusions.Select((r, i) => ((long?)r, Field: $"contextFilters.exclusions[{i}]")))
            .Where(p => p.Item1 is not null)
            .Take(MaxLookups)
            .ToList();
        if (named.Count == 0)
        {
            return null;
        }
        var exists = await Task.WhenAll(named.Select(p => p.Item1!.Value).Distinct()
            .Select(async id => (Id: id, Exists: await grains.GetGrain<IRegionNodeGrain>(id, tenant).ExistsAsync())));
        var missing = exists.Where(e => !e.Exists).Select(e => e.Id).ToHashSet();
        var warnings = named.Where(p => missing.Contains(p.Item1!.Value))
            .Select(p => $"{p.Field}: region {p.Item1} does not exist (yet); the scope matches nothing there until it is made")
            .ToList();
        return warnings.Count == 0 ? null : warnings;
    }
}
