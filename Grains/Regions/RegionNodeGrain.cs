using EventsSubscriptions.Grains.Interfaces.Regions;
using Microsoft.Extensions.Logging;
using EventsSubscriptions.Grains.Hosting;

namespace EventsSubscriptions.Grains.Regions;

[GenerateSerializer, Alias("es.RegionNodeState")]
public sealed class RegionNodeState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public long? Parent { get; set; }
    [Id(2)] public HashSet<long> Children { get; set; } = [];

    /// <summary>This region, then its ancestors up to the root: the cached subtree membership.</summary>
    [Id(3)] public long[] Path { get; set; } = [];
}

public sealed class RegionNodeGrain(
    [PersistentState("region-node")] IPersistentState<RegionNodeState> state,
    ILogger<RegionNodeGrain> logger) : Grain, IRegionNodeGrain
{
    private long Id => this.GetPrimaryKeyLong();

    private RegionNodeState S => state.State;

    public Task<Interfaces.Operations.RegionNodeStateView> GetState() =>
        Task.FromResult(new Interfaces.Operations.RegionNodeStateView(S.Exists, S.Parent, [.. S.Children.Order()], S.Path));

    public Task<long[]?> GetPathAsync() => Task.FromResult(S.Exists ? S.Path : null);

    public async Task<string?> PlaceAsync(long? parent)
    {
        if (S.Exists && S.Parent == parent)
        {
            return null;
        }
        long[] parentPath = [];
        if (parent is { } p)
        {
            if (p == Id)
            {
                return $"region {Id} cannot be its own parent";
            }
            if (await Node(p).GetPathAsync() is not { } found)
            {
                return $"region {p} does not exist";
            }
            if (found.Contains(Id))
            {
                return $"region {p} is inside region {Id}: the move would make a cycle";
            }
            parentPath = found;
        }

        var previous = S.Exists ? S.Parent : null;
        if (previous is { } old)
        {
            await Node(old).RemoveChildAsync(Id);
        }
        if (parent is { } added)
        {
            await Node(added).AddChildAsync(Id);
        }
        S.Exists = true;
        S.Parent = parent;
        S.Path = [Id, .. parentPath];
        await state.WriteStateAsync();
        await RerootChildrenAsync();
        return null;
    }

    public async Task<string?> RemoveAsync()
    {
        if (!S.Exists)
        {
            return null;
        }
        if (S.Children.Count > 0)
        {
            return $"region {Id} has child regions ({string.Join(", ", S.Children.Order())}): move or delete them first";
        }
        if (S.Parent is { } parent)
        {
            await Node(parent).RemoveChildAsync(Id);
        }
        S.Exists = false;
        S.Parent = null;
        S.Path = [];
        await state.WriteStateAsync();
        return null;
    }

    public async Task AddChildAsync(long child)
    {
        if (S.Children.Add(child))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task RemoveChildAsync(long child)
    {
        if (S.Children.Remove(child))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task RerootAsync(long[] parentPath)
    {
        if (parentPath.Contains(Id))
        {
            // Only two concurrent moves, each checked before the other landed, can get here.
            logger.RegionCycle(Id, string.Join(" < ", parentPath));
            return;
        }
        S.Path = [Id, .. parentPath];
        await state.WriteStateAsync();
        await RerootChildrenAsync();
    }

    private Task RerootChildrenAsync() =>
        Task.WhenAll(S.Children.Select(c => Node(c).RerootAsync(S.Path)));

    private IRegionNodeGrain Node(long id) => GrainFactory.GetGrain<IRegionNodeGrain>(id);
}
