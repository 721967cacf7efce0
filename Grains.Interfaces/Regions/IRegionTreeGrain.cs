namespace EventsSubscriptions.Grains.Interfaces.Regions;

/// <summary>
/// A tenant's region tree (key: the tenant): every create, move and removal of a region goes through this one
/// grain, one at a time, so a check never misses a concurrent change (no cycle, under any
/// interleaving of moves). It holds the tree in memory (a parent and children per region, linear in
/// the tree) and writes one row per change to <c>region_tree</c>. A move answers once every router
/// knows of it: events accepted afterwards are routed by the new tree.
/// </summary>
[Alias("es.IRegionTreeGrain")]
public interface IRegionTreeGrain : IGrainWithStringKey
{
    /// <summary>Creates <paramref name="region"/> or moves it under <paramref name="parent"/>; an error text when refused (unknown parent, cycle, too deep).</summary>
    [Alias("Place")]
    [ResponseTimeout("00:00:30")] // a move or a view of a whole subtree
    Task<string?> PlaceAsync(long region, long? parent);

    /// <summary>Removes a region without children; an error text when refused.</summary>
    [Alias("Remove")]
    [ResponseTimeout("00:00:30")] // a move or a view of a whole subtree
    Task<string?> RemoveAsync(long region);

    /// <summary>A region, its parent, its first children by id and its path to the root; null when it does not exist.</summary>
    [Alias("Describe"), Orleans.Concurrency.ReadOnly]
    Task<Operations.RegionNodeStateView?> DescribeAsync(long region, int maxChildren);

    /// <summary>
    /// A region and its descendants, breadth first (the region first), at most <paramref name="maxRegions"/>
    /// of them and <paramref name="maxDepth"/> levels below it; empty when it does not exist.
    /// </summary>
    [Alias("Subtree"), Orleans.Concurrency.ReadOnly]
    [ResponseTimeout("00:00:30")] // a move or a view of a whole subtree
    Task<RegionTreeEntry[]> SubtreeAsync(long region, int maxRegions, int maxDepth);
}

/// <summary>One region of a subtree: its parent (null for the subtree's top) and how many children it has.</summary>
[GenerateSerializer, Immutable, Alias("es.RegionTreeEntry")]
public sealed record RegionTreeEntry(
    [property: Id(0)] long Id,
    [property: Id(1)] long? Parent,
    [property: Id(2)] int ChildCount);
