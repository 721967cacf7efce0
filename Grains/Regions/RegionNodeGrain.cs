using EventsSubscriptions.Grains.Interfaces.Operations;
using EventsSubscriptions.Grains.Interfaces.Regions;

namespace EventsSubscriptions.Grains.Regions;

/// <inheritdoc cref="IRegionNodeGrain"/>
public sealed class RegionNodeGrain(RegionTreeStore store) : Grain, IRegionNodeGrain
{
    /// <summary>Children listed in the grain-state view, at most.</summary>
    private const int ViewedChildren = 100;

    private bool? exists;

    private long Id => this.GetPrimaryKeyLong();

    public async Task<bool> ExistsAsync() => exists ??= await store.ExistsAsync(Id);

    public Task ForgetAsync()
    {
        exists = null;
        return Task.CompletedTask;
    }

    public async Task<RegionNodeStateView> GetState() =>
        await GrainFactory.GetGrain<IRegionTreeGrain>(0).DescribeAsync(Id, ViewedChildren)
        ?? new RegionNodeStateView(false, null, [], [], 0);
}
