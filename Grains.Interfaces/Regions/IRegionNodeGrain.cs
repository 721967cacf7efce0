namespace EventsSubscriptions.Grains.Interfaces.Regions;

/// <summary>
/// One region (key: the region id, and the tenant as the key's extension), as entities see it: whether it exists, asked at each entity
/// change that names it, so the tree grain is not. It caches the answer; the tree grain tells it
/// when the region is made or removed. Where the region sits (its subtree membership) is the
/// tree's: see <see cref="IRegionTreeGrain"/>.
/// </summary>
[Alias("es.IRegionNodeGrain")]
public interface IRegionNodeGrain : IGrainWithIntegerCompoundKey
{
    /// <summary>Whether the region exists.</summary>
    [Alias("Exists"), Orleans.Concurrency.ReadOnly]
    Task<bool> ExistsAsync();

    /// <summary>The region was made or removed: the next question reads the tree again.</summary>
    [Alias("Forget"), Orleans.Concurrency.AlwaysInterleave]
    Task ForgetAsync();

    /// <summary>For the Orleans Dashboard's grain-state view.</summary>
    [Alias("GetState"), Orleans.Concurrency.ReadOnly]
    Task<Operations.RegionNodeStateView> GetState();
}
