using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Interfaces.Operations;
using EventsSubscriptions.Grains.Interfaces.Regions;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Hosting;

namespace EventsSubscriptions.Grains.Regions;

/// <inheritdoc cref="IRegionTreeGrain"/>
public sealed class RegionTreeGrain(
    RegionTreeStore store,
    IOptions<EntitySettings> entities,
    ILogger<RegionTreeGrain> logger) : Grain, IRegionTreeGrain
{
    private readonly RegionForest forest = new();
    private long version;

    // A move saved that not every silo confirmed reading: the same request made again asks them again.
    private bool broadcastPending;

    /// <summary>Tries to have every silo read a move before the caller is told it is not yet in effect everywhere.</summary>
    private const int BroadcastAttempts = 3;

    private int MaxDepth => entities.Value.MaxRegionDepth;

    private string Tenant => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        // An earlier activation may have saved a move that not every silo confirmed: have them read
        // the tree now (once; each silo's copy also reads it on its own every few seconds).
        try
        {
            await SendRefreshAsync();
        }
        catch (Exception e)
        {
            logger.RegionMoveNotBroadcast(e, 0);
        }
    }

    public async Task<string?> PlaceAsync(long region, long? parent)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (forest.CheckPlace(region, parent, MaxDepth, out var unchanged) is { } refused)
            {
                return refused;
            }
            if (unchanged)
            {
                if (broadcastPending)
                {
                    await BroadcastAsync();
                }
                return null;
            }
            var wasLive = forest.IsLive(region);
            var moved = wasLive || forest.WasRemoved(region);
            if (await store.WriteAsync(Tenant, region, parent, removed: false, version) is not { } written)
            {
                // Another activation of this grain changed the tree (briefly two after a silo was
                // lost): decide again on the tree as it is now.
                await ReloadOnceAsync(attempt);
                continue;
            }
            forest.Place(region, parent);
            version = written;
            if (!wasLive)
            {
                await Node(region).ForgetAsync();
            }
            if (moved)
            {
                await BroadcastAsync();
            }
            return null;
        }
    }

    public async Task<string?> RemoveAsync(long region)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (!forest.TryGetParent(region, out var parent))
            {
                // Already removed (perhaps by an earlier try whose answer was lost): whoever cached it as existing forgets.
                await Node(region).ForgetAsync();
                return null;
            }
            if (forest.ChildrenOf(region) is { Count: > 0 } below)
            {
                var listed = string.Join(", ", below.Order().Take(10));
                return $"region {region} has {below.Count} child region(s) ({listed}{(below.Count > 10 ? ", …" : "")}): move or delete them first";
            }
            // The row keeps its parent: the region's removal event, and those of entities deleted
            // after it, are still routed to the subtrees it was in.
            if (await store.WriteAsync(Tenant, region, parent, removed: true, version) is not { } written)
            {
                await ReloadOnceAsync(attempt);
                continue;
            }
            forest.Remove(region);
            version = written;
            await Node(region).ForgetAsync();
            return null;
        }
    }

    public Task<RegionNodeStateView?> DescribeAsync(long region, int maxChildren) => Task.FromResult(forest.Describe(region, maxChildren));

    public Task<RegionTreeEntry[]> SubtreeAsync(long region, int maxRegions, int maxDepth) => Task.FromResult(forest.Subtree(region, maxRegions, maxDepth));

    private async Task ReloadOnceAsync(int attempt)
    {
        if (attempt > 0)
        {
            throw new ServiceFailureException("The region tree kept changing while this change was decided; send it again.", transient: true);
        }
        await LoadAsync(CancellationToken.None);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        forest.Clear();
        version = 0;
        foreach (var row in await store.ChangesAsync(0, Tenant, cancellationToken))
        {
            version = row.Version;
            forest.Load(row.Id, row.Parent, row.Removed);
        }
        forest.LinkChildren();
    }

    /// <summary>
    /// Every active silo reads the tree again up to this change before the move answers, so events
    /// accepted afterwards on any silo are scoped by the new tree. A silo that does not answer is
    /// asked again (the management grain asks the silos active at each try: one declared dead is
    /// no longer asked); if it still does not, the caller learns the move is saved but not yet in
    /// effect everywhere.
    /// </summary>
    private async Task BroadcastAsync()
    {
        broadcastPending = true;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SendRefreshAsync();
                broadcastPending = false;
                return;
            }
            catch (Exception e)
            {
                logger.RegionMoveNotBroadcast(e, attempt);
                if (attempt == BroadcastAttempts)
                {
                    throw new ServiceFailureException(
                        "The region move is saved but not every silo has read it yet; send the same request again.", transient: true);
                }
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
        }
    }

    /// <summary>Every active silo's copy reads the tree up to this grain's last change.</summary>
    private Task SendRefreshAsync() => GrainFactory.GetGrain<IManagementGrain>(0)
        .SendControlCommandToProvider<RegionPaths>(RegionPaths.ControlName, RegionPaths.RefreshCommand, version);

    private IRegionNodeGrain Node(long id) => GrainFactory.GetGrain<IRegionNodeGrain>(id, Tenant);
}
