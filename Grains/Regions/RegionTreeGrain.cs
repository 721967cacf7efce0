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
    // The live regions: each one's parent, and each parent's children. Removed regions are not here
    // (their rows stay in the table for routing).
    private readonly Dictionary<long, long?> parents = [];
    private readonly Dictionary<long, HashSet<long>> children = [];
    private readonly HashSet<long> removed = [];
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
            if (CheckPlace(region, parent, out var unchanged) is { } refused)
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
            var wasLive = parents.ContainsKey(region);
            var moved = wasLive || removed.Contains(region);
            if (await store.WriteAsync(Tenant, region, parent, removed: false, version) is not { } written)
            {
                // Another activation of this grain changed the tree (briefly two after a silo was
                // lost): decide again on the tree as it is now.
                await ReloadOnceAsync(attempt);
                continue;
            }
            Unlink(region);
            parents[region] = parent;
            removed.Remove(region);
            if (parent is { } p)
            {
                ChildrenOf(p).Add(region);
            }
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
            if (!parents.TryGetValue(region, out var parent))
            {
                // Already removed (perhaps by an earlier try whose answer was lost): whoever cached it as existing forgets.
                await Node(region).ForgetAsync();
                return null;
            }
            if (children.TryGetValue(region, out var below) && below.Count > 0)
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
            Unlink(region);
            parents.Remove(region);
            removed.Add(region);
            version = written;
            await Node(region).ForgetAsync();
            return null;
        }
    }

    public Task<RegionNodeStateView?> DescribeAsync(long region, int maxChildren)
    {
        if (!parents.TryGetValue(region, out var parent))
        {
            return Task.FromResult<RegionNodeStateView?>(null);
        }
        var below = children.GetValueOrDefault(region);
        return Task.FromResult<RegionNodeStateView?>(new RegionNodeStateView(true, parent,
            [.. (below ?? []).Order().Take(maxChildren)], [.. PathOf(region)], below?.Count ?? 0));
    }

    public Task<RegionTreeEntry[]> SubtreeAsync(long region, int maxRegions, int maxDepth)
    {
        if (!parents.ContainsKey(region))
        {
            return Task.FromResult<RegionTreeEntry[]>([]);
        }
        var found = new List<RegionTreeEntry>();
        var level = new List<long> { region };
        for (var depth = 0; level.Count > 0 && depth <= maxDepth && found.Count < maxRegions; depth++)
        {
            var next = new List<long>();
            foreach (var id in level)
            {
                if (found.Count == maxRegions)
                {
                    break;
                }
                var below = children.GetValueOrDefault(id);
                found.Add(new RegionTreeEntry(id, id == region ? null : parents[id], below?.Count ?? 0));
                // No more children than could still be listed (a parent may have 100,000).
                next.AddRange((below ?? []).Order().Take(maxRegions - found.Count - next.Count));
            }
            level = next;
        }
        return Task.FromResult(found.ToArray());
    }

    /// <summary>Null when the placement may be written (<paramref name="unchanged"/> when there is nothing to write); else why not.</summary>
    private string? CheckPlace(long region, long? parent, out bool unchanged)
    {
        var exists = parents.TryGetValue(region, out var current);
        unchanged = exists && current == parent;
        if (unchanged || parent is not { } p)
        {
            return null;
        }
        if (p == region)
        {
            return $"region {region} cannot be its own parent";
        }
        if (!parents.ContainsKey(p))
        {
            return $"region {p} does not exist";
        }
        var parentDepth = 0;
        foreach (var ancestor in PathOf(p))
        {
            parentDepth++;
            if (ancestor == region)
            {
                return $"region {p} is inside region {region}: the move would make a cycle";
            }
        }
        var depth = parentDepth + (exists ? HeightOf(region) : 1);
        if (depth > MaxDepth)
        {
            return $"the tree would be {depth} levels deep under region {p}; at most {MaxDepth} are allowed";
        }
        return null;
    }

    /// <summary>The region then its ancestors, root last (a cycle, which no write makes, ends the walk).</summary>
    private IEnumerable<long> PathOf(long region)
    {
        var seen = new HashSet<long>();
        for (long? at = region; at is { } id && seen.Add(id); at = parents.GetValueOrDefault(id))
        {
            yield return id;
        }
    }

    /// <summary>Levels of the region's subtree, the region's own included.</summary>
    private int HeightOf(long region)
    {
        var height = 0;
        var seen = new HashSet<long> { region };
        var level = new List<long> { region };
        while (level.Count > 0)
        {
            height++;
            level = [.. level.SelectMany(id => children.GetValueOrDefault(id) ?? []).Where(seen.Add)];
        }
        return height;
    }

    private void Unlink(long region)
    {
        if (parents.GetValueOrDefault(region) is { } old && children.TryGetValue(old, out var siblings))
        {
            siblings.Remove(region);
            if (siblings.Count == 0)
            {
                children.Remove(old);
            }
        }
    }

    private HashSet<long> ChildrenOf(long parent)
    {
        if (!children.TryGetValue(parent, out var set))
        {
            children[parent] = set = [];
        }
        return set;
    }

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
        parents.Clear();
        children.Clear();
        removed.Clear();
        version = 0;
        foreach (var row in await store.ChangesAsync(0, Tenant, cancellationToken))
        {
            version = row.Version;
            if (row.Removed)
            {
                removed.Add(row.Id);
            }
            else
            {
                parents[row.Id] = row.Parent;
            }
        }
        foreach (var (id, parent) in parents)
        {
            if (parent is { } p)
            {
                ChildrenOf(p).Add(id);
            }
        }
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
