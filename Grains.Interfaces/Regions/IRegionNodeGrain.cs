namespace EventsSubscriptions.Grains.Interfaces.Regions;

/// <summary>
/// One region of the tree (key: the region id). It knows its parent, its children and its
/// path to the root (itself first); moving a region updates the paths of its whole subtree before
/// returning, so that every event accepted afterwards is scoped by the new tree.
/// </summary>
[Alias("es.IRegionNodeGrain")]
public interface IRegionNodeGrain : IGrainWithIntegerKey
{
    /// <summary>The region itself then its ancestors, root last; null when the region does not exist.</summary>
    [Alias("Path"), Orleans.Concurrency.ReadOnly]
    Task<long[]?> GetPathAsync();

    /// <summary>For the Orleans Dashboard's grain-state view.</summary>
    [Alias("GetState"), Orleans.Concurrency.ReadOnly]
    Task<Operations.RegionNodeStateView> GetState();

    /// <summary>Creates the region or moves it under <paramref name="parent"/>; an error text when refused (unknown parent, cycle).</summary>
    [Alias("Place")]
    Task<string?> PlaceAsync(long? parent);

    /// <summary>Removes a region without children; an error text when refused.</summary>
    [Alias("Remove")]
    Task<string?> RemoveAsync();

    [Alias("AddChild")]
    Task AddChildAsync(long child);

    [Alias("RemoveChild")]
    Task RemoveChildAsync(long child);

    /// <summary>The parent's path changed: recompute this region's path and pass it down.</summary>
    [Alias("Reroot")]
    Task RerootAsync(long[] parentPath);
}
