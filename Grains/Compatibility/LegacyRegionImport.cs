using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Regions;
using NpgsqlTypes;
using Orleans.Configuration;
using Orleans.Storage;

namespace EventsSubscriptions.Grains.Compatibility;

/// <summary>
/// Before the region tree had its table (migration 0019), each region was a grain state
/// (<c>region-node</c>) holding its parent, children and whole path. They are copied into
/// <c>region_tree</c> once per service, by the first silo that reads the tree, and removed.
/// Can be dropped once every deployment's <c>region_tree_import</c> has its row (see README.md here).
/// </summary>
internal sealed class LegacyRegionImport(
    NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, IGrainStorageSerializer serializer, ILogger logger)
{
    /// <summary>The grain state name under which the earlier version kept each region.</summary>
    private const string StateName = "region-node";

    private readonly object importGate = new();
    private Task? imported;

    private string ServiceId => cluster.Value.ServiceId;

    /// <summary>
    /// The import of the previous version's regions (<see cref="ImportAsync"/>), made once by
    /// this silo before its first read of the tree (tried again at the next read if it failed).
    /// </summary>
    public Task EnsureImportedAsync()
    {
        lock (importGate)
        {
            if (imported is null || imported.IsFaulted || imported.IsCanceled)
            {
                imported = ImportOnceAsync();
            }
            return imported;
        }

        async Task ImportOnceAsync()
        {
            if (await ImportAsync() is > 0 and var count)
            {
                logger.RegionsImported(count);
            }
        }
    }

    /// <summary>
    /// Copies the regions the previous version kept in grain states into the table, once per
    /// service, and removes those states; the number of regions copied (0 when done before). A
    /// state that cannot be read is left out (and logged); a parent that is not among the regions,
    /// or that would close a cycle (the previous version could leave one after concurrent moves),
    /// is dropped: that region becomes a root, and the log says so.
    /// </summary>
    public async Task<int> ImportAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await RegionTreeStore.LockAsync(connection, ServiceId);
        await using (var done = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM region_tree_import WHERE service_id = $1)", connection))
        {
            done.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
            if ((bool)(await done.ExecuteScalarAsync(cancellationToken))!)
            {
                return 0;
            }
        }
        var regions = new List<(long Id, long? Parent)>();
        await using (var read = new NpgsqlCommand("""
            SELECT grainidn1, payloadbinary FROM orleans_grain_state
            WHERE serviceid = $1 AND graintypestring = $2 AND grainidn0 = 0 AND grainidextensionstring IS NULL
              AND payloadbinary IS NOT NULL
            """, connection))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
            read.Parameters.Add(new NpgsqlParameter { Value = StateName });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetInt64(0);
                LegacyRegionNodeState? state;
                try
                {
                    state = serializer.Deserialize<LegacyRegionNodeState>(new BinaryData(reader.GetFieldValue<byte[]>(1)));
                }
                catch (Exception e)
                {
                    logger.RegionNotImported(e, id);
                    continue;
                }
                if (state is { Exists: true })
                {
                    regions.Add((id, state.Parent));
                }
            }
        }
        regions = WithoutCycles(regions);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO region_tree (service_id, tenant, id, parent_id, removed, version)
            SELECT $1, 'default', r.id, r.parent_id, false, nextval('region_tree_change')
            FROM unnest($2::bigint[], $3::bigint[]) AS r(id, parent_id)
            ON CONFLICT (service_id, tenant, id) DO NOTHING
            """, connection))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
            insert.Parameters.Add(new NpgsqlParameter { Value = regions.Select(r => r.Id).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = regions.Select(r => r.Parent).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var forget = new NpgsqlCommand(
            "DELETE FROM orleans_grain_state WHERE serviceid = $1 AND graintypestring = $2", connection))
        {
            forget.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
            forget.Parameters.Add(new NpgsqlParameter { Value = StateName });
            await forget.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var mark = new NpgsqlCommand("INSERT INTO region_tree_import (service_id, regions) VALUES ($1, $2)", connection))
        {
            mark.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
            mark.Parameters.Add(new NpgsqlParameter { Value = regions.Count });
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return regions.Count;
    }

    /// <summary>The regions with every parent that is missing or closes a cycle dropped.</summary>
    private List<(long Id, long? Parent)> WithoutCycles(List<(long Id, long? Parent)> regions)
    {
        var parents = regions.ToDictionary(r => r.Id, r => r.Parent);
        foreach (var (id, parent) in regions)
        {
            if (parent is { } p && !parents.ContainsKey(p))
            {
                logger.RegionParentDropped(id, p, "it does not exist");
                parents[id] = null;
            }
        }
        // Walk up from each region; a walk that meets a region of its own path closes a cycle there.
        var settled = new HashSet<long>();
        foreach (var start in parents.Keys.Order().ToList())
        {
            var path = new HashSet<long>();
            for (long? at = start; at is { } id && !settled.Contains(id); at = parents[id])
            {
                if (!path.Add(id))
                {
                    break;
                }
                if (parents[id] is { } up && path.Contains(up))
                {
                    logger.RegionParentDropped(id, up, "it closes a cycle");
                    parents[id] = null;
                }
            }
            settled.UnionWith(path);
        }
        return [.. parents.Select(p => (p.Key, p.Value))];
    }
}

/// <summary>A region as the previous version stored it (grain state 'region-node'); read once, by the import.</summary>
[GenerateSerializer, Alias("es.RegionNodeState")]
public sealed class LegacyRegionNodeState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public long? Parent { get; set; }
    [Id(2)] public HashSet<long> Children { get; set; } = [];
    [Id(3)] public long[] Path { get; set; } = [];
}
