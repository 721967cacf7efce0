using EventsSubscriptions.Grains.Interfaces.Regions;

namespace EventsSubscriptions.Grains.Regions;

/// <inheritdoc cref="IRegionTreeGrain"/>
public sealed class RegionTreeGrain : Grain, IRegionTreeGrain
{
    public Task<string?> PlaceAsync(long region, long? parent) => Node(region).PlaceAsync(parent);

    public Task<string?> RemoveAsync(long region) => Node(region).RemoveAsync();

    private IRegionNodeGrain Node(long id) => GrainFactory.GetGrain<IRegionNodeGrain>(id);
}
