namespace EventsSubscriptions.Grains.Routing;

/// <summary>
/// Whether an entity in a region falls within a subscription's <c>contextFilters</c>.
/// The region is given as its path to the root (itself first; empty when the entity has none).
/// An exclusion removes its region's whole subtree; <c>context.*</c> takes every region and no region.
/// </summary>
public static class ScopeMatcher
{
    public static bool Matches(RegionScope scope, IReadOnlyList<long> regionPath)
    {
        foreach (var excluded in scope.Exclusions)
        {
            if (regionPath.Contains(excluded))
            {
                return false;
            }
        }
        foreach (var filter in scope.Filters)
        {
            if (filter.RegionId is not { } region)
            {
                return true;
            }
            if (regionPath.Count > 0 && (regionPath[0] == region || (filter.IncludeChildren && regionPath.Contains(region))))
            {
                return true;
            }
        }
        return false;
    }
}
