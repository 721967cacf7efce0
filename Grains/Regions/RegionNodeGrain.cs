using EventsSubscriptions.Grains.Interfaces.Operations;
using EventsSubscriptions.Grains.Interfaces.Regions;

namespace EventsSubscriptions.Grains.Regions;

/// <inheritdoc cref="IRegionNodeGrain"/>
public sealed class RegionNodeGrain(RegionTreeStore store) : Grain, IRegionNodeGrain
{
    /// <summary>Children listed in the grain-state view, at most.</summary>
    private const int ViewedChildren = 100;

    private bool? exists;

    private long Id => this.GetPrimaryKeyLong(out _);

    private string Tenant
    {
        get
        {
            this.GetPrimaryKeyLong(out var tenant);
            return tenant ?? Interfaces.Tenants.Tenants.Default;
        }
    }

    // Only a region found is remembered: one not found may be made at any moment (and is then found).
    public async Task<bool> ExistsAsync()
    {
        if (exists is null && await store.ExistsAsync(Tenant, Id))
        {
            exists = true;
        }
        return exists is true;
    }

    public Task ForgetAsync()
    {
        exists = null;
        return Task.CompletedTask;
    }

    public async Task<RegionNodeStateView> GetState() =>
        await GrainFactory.GetGrain<IRegionTreeGrain>(Tenant).DescribeAsync(Id, ViewedChildren)
        ?? new RegionNodeStateView(false, null, [], [], 0);
}
