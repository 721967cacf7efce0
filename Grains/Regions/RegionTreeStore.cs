using EventsSubscriptions.Grains.Persistence;
using EventsSubscriptions.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.Configuration;
using Orleans.Storage;

namespace EventsSubscriptions.Grains.Regions;

/// <summary>One region's row: its tenant, its parent (null at a root), whether it was removed, and the change that wrote it.</summary>
public readonly record struct RegionRow(string Tenant, long Id, long? Parent, bool Removed, long Version);

/// <summary>
/// The region tree's table (<c>region_tree</c>, migration 0019): one row per region ever made.
/// Writes hold the tree's advisory lock and name the last version their writer knew, so a writer
/// that missed a change (a second activation of the tree grain, briefly, after a silo was lost)
/// is refused instead of deciding on an old tree.
/// </summary>
public sealed class RegionTreeStore(
    NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, IGrainStorageSerializer serializer, ILogger<RegionTreeStore> logger)
{
    private readonly object importGate = new();
    private Task? imported;
    /// <summary>The grain state name under which the previous version kept each region.</summary>
    public const string LegacyStateName = "region-node";

    private string ServiceId => cluster.Value.ServiceId;

    private string LockKey => $"events-subscriptions/{ServiceId}/region-tree";

    /// <summary>
    /// The rows written after <paramref name="afterVersion"/>, in version order (all of them from 0):
    /// of one tenant, or of all of them (null).
    /// </summary>
    public async Task<List<RegionRow>> ChangesAsync(long afterVersion, string? tenant = null, CancellationToken cancellationToken = default)
    {
        await EnsureImportedAsync();
        await using var command = dataSource.CreateCommand("""
            SELECT tenant, id, parent_id, removed, version FROM region_tree
            WHERE service_id = $1 AND version > $2 AND ($3::text IS NULL OR tenant = $3)
            ORDER BY version
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = afterVersion });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)tenant ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var rows = new List<RegionRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new RegionRow(reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2),
                reader.GetBoolean(3), reader.GetInt64(4)));
        }
        return rows;
    }

    /// <summary>Whether the region exists (made and not removed).</summary>
    public async Task<bool> ExistsAsync(string tenant, long id, CancellationToken cancellationToken = default)
    {
        await EnsureImportedAsync();
        await using var command = dataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM region_tree WHERE service_id = $1 AND tenant = $2 AND id = $3 AND NOT removed)");
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Writes one region's row if the tenant's tree's last change is still <paramref name="knownVersion"/>:
    /// the row's new version, or null when another writer changed that tree meanwhile (nothing written).
    /// Every tenant's writes take the one lock, so that versions commit in their order.
    /// </summary>
    public async Task<long?> WriteAsync(string tenant, long id, long? parent, bool removed, long knownVersion)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await LockAsync(connection);
        await using (var last = new NpgsqlCommand(
            "SELECT coalesce(max(version), 0) FROM region_tree WHERE service_id = $1 AND tenant = $2", connection))
        {
            last.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
            last.Parameters.Add(new NpgsqlParameter { Value = tenant });
            if ((long)(await last.ExecuteScalarAsync())! != knownVersion)
            {
                return null;
            }
        }
        await using var write = new NpgsqlCommand("""
            INSERT INTO region_tree AS r (service_id, tenant, id, parent_id, removed, version)
            VALUES ($1, $5, $2, $3, $4, nextval('region_tree_change'))
            ON CONFLICT (service_id, tenant, id) DO UPDATE
                SET parent_id = excluded.parent_id, removed = excluded.removed, version = excluded.version
            RETURNING r.version
            """, connection);
        write.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        write.Parameters.Add(new NpgsqlParameter { Value = id });
        write.Parameters.Add(new NpgsqlParameter { Value = (object?)parent ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        write.Parameters.Add(new NpgsqlParameter { Value = removed });
        write.Parameters.Add(new NpgsqlParameter { Value = tenant });
        var version = (long)(await write.ExecuteScalarAsync())!;
        await transaction.CommitAsync();
        return version;
    }

    /// <summary>
    /// The import of the previous version's regions (<see cref="ImportLegacyAsync"/>), made once by
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
            if (await ImportLegacyAsync() is > 0 and var count)
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
    public async Task<int> ImportLegacyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection);
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
            read.Parameters.Add(new NpgsqlParameter { Value = LegacyStateName });
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
            forget.Parameters.Add(new NpgsqlParameter { Value = LegacyStateName });
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

    private async Task LockAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = LockKey });
        await command.ExecuteNonQueryAsync();
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
