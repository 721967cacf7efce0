using System.Collections.Concurrent;
using System.Collections.Immutable;
using Orleans.Providers;

namespace EventsSubscriptions.Grains.Regions;

/// <summary>
/// This silo's copy of the region tree: each region's parent, read from <c>region_tree</c> by the
/// changes past the version held. An entity's change takes its region's path (the region, then
/// its ancestors up to the root) from here when it is accepted, walked from parent to parent, so
/// storage stays one entry per region whatever the tree's depth; walked paths are kept until the
/// tree changes, within a bound.
/// <para>
/// A move answers once every active silo's copy holds it (the tree grain sends
/// <see cref="RefreshCommand"/> to each, through Orleans' management grain): events accepted
/// afterwards anywhere are scoped by the new tree, those accepted before by the old one. A new
/// region needs no word: a copy that does not know a region reads the table again.
/// </para>
/// </summary>
public sealed class RegionPaths(RegionTreeStore store) : IControllable
{
    /// <summary>The name under which each silo's copy answers control commands.</summary>
    public const string ControlName = "region-paths";

    /// <summary>Read the changes up to at least the version given as argument; answers the version held.</summary>
    public const int RefreshCommand = 1;

    /// <summary>How many region ids the walked paths kept hold at most, together.</summary>
    public const int MaxRemembered = 1_000_000;

    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile Snapshot current = new(ImmutableDictionary<(string Tenant, long Id), RegionRow>.Empty, 0);

    /// <summary>Whether anything asked this copy for a path yet (until then it reads nothing).</summary>
    public bool InUse { get; private set; }

    /// <summary>The last change this copy has read (0 before the first read).</summary>
    public long Version => current.Version;

    /// <summary>Whether the tenant's region is in this copy (made, or removed, before the last read).</summary>
    public bool Knows(string tenant, long region) => current.Rows.ContainsKey((tenant, region));

    /// <summary>Reads the changes past the version held, unless it is already <paramref name="atLeast"/> (another caller read them).</summary>
    public async Task RefreshAsync(long atLeast = long.MaxValue, CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var held = current;
            if (held.Version >= atLeast)
            {
                return;
            }
            var changes = await store.ChangesAsync(held.Version, cancellationToken: cancellationToken);
            if (changes.Count == 0)
            {
                return;
            }
            var rows = held.Rows.ToBuilder();
            foreach (var row in changes)
            {
                rows[(row.Tenant, row.Id)] = row;
            }
            current = new Snapshot(rows.ToImmutable(), changes[^1].Version);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// The region then its ancestors, root last, reading the table first if this copy does not
    /// know the region (made since), or has never been read; null for a region the table does not
    /// have either. A removed region keeps the path it had. A cycle (never written: the tree grain
    /// refuses the move that would make one) ends the walk where it would repeat.
    /// </summary>
    public async ValueTask<long[]?> PathOfAsync(string tenant, long region)
    {
        InUse = true;
        if (!Knows(tenant, region))
        {
            await RefreshAsync();
            if (!Knows(tenant, region))
            {
                return null;
            }
        }
        return current.PathOf(tenant, region);
    }

    /// <summary>
    /// The region path an entity's events are scoped by, as <c>EntityGrain</c> gives its events: a
    /// region's own (itself first), the path of an entity's <c>region</c> field, or none.
    /// </summary>
    public async ValueTask<long[]> OfEntityAsync(string tenant, string resource, long id, System.Text.Json.Nodes.JsonObject entity)
    {
        if (resource == Entities.EntityGrain.Regions)
        {
            return await PathOfAsync(tenant, id) ?? [id];
        }
        if (entity["region"] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<long>(out var region))
        {
            return await PathOfAsync(tenant, region) ?? [region];
        }
        return [];
    }

    public async Task<object?> ExecuteCommand(int command, object? arg)
    {
        if (command != RefreshCommand || arg is not long version)
        {
            throw new ArgumentException($"Unknown command {command} ({arg?.GetType().Name ?? "no argument"}).", nameof(command));
        }
        await RefreshAsync(version);
        return Version;
    }

    private sealed class Snapshot(ImmutableDictionary<(string Tenant, long Id), RegionRow> rows, long version)
    {
        private readonly ConcurrentDictionary<(string Tenant, long Id), long[]> walked = new();
        private long remembered;

        public ImmutableDictionary<(string Tenant, long Id), RegionRow> Rows => rows;

        public long Version => version;

        public long[] PathOf(string tenant, long region)
        {
            if (walked.TryGetValue((tenant, region), out var known))
            {
                return known;
            }
            var path = new List<long> { region };
            var seen = new HashSet<long> { region };
            var at = region;
            while (rows.TryGetValue((tenant, at), out var row) && row.Parent is { } parent && seen.Add(parent))
            {
                path.Add(parent);
                at = parent;
            }
            var found = path.ToArray();
            // Kept only while the ids kept stay within the bound (counted as they are kept).
            if (Interlocked.Read(ref remembered) + found.Length <= MaxRemembered && walked.TryAdd((tenant, region), found))
            {
                Interlocked.Add(ref remembered, found.Length);
            }
            return found;
        }
    }
}
