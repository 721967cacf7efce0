using EventsSubscriptions.Grains.Persistence;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.Configuration;
using Orleans.Storage;

namespace EventsSubscriptions.Grains.Regions;

/// <summary>One region's row: its parent (null at a root), whether it was removed, and the change that wrote it.</summary>
public readonly record struct RegionRow(long Id, long? Parent, bool Removed, long Version);

/// <summary>
/// The region tree's table (<c>region_tree</c>, migration 0019): one row per region ever made.
/// Writes hold the tree's advisory lock and name the last version their writer knew, so a writer
/// that missed a change (a second activation of the tree grain, briefly, after a silo was lost)
/// is refused instead of deciding on an old tree.
/// </summary>
public sealed class RegionTreeStore(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, IGrainStorageSerializer serializer)
{
    /// <summary>The grain state name under which the previous version kept each region.</summary>
    public const string LegacyStateName = "region-node";

    private string ServiceId => cluster.Value.ServiceId;

    private string LockKey => $"events-subscriptions/{ServiceId}/region-tree";

    /// <summary>The rows written after <paramref name="afterVersion"/>, in version order (all of them from 0).</summary>
    public async Task<List<RegionRow>> ChangesAsync(long afterVersion, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, parent_id, removed, version FROM region_tree WHERE service_id = $1 AND version > $2 ORDER BY version");
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = afterVersion });
        var rows = new List<RegionRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new RegionRow(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetBoolean(2), reader.GetInt64(3)));
        }
        return rows;
    }

    /// <summary>Whether the region exists (made and not removed).</summary>
    public async Task<bool> ExistsAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM region_tree WHERE service_id = $1 AND id = $2 AND NOT removed)");
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Writes one region's row if the tree's last change is still <paramref name="knownVersion"/>:
    /// the row's new version, or null when another writer changed the tree meanwhile (nothing written).
    /// </summary>
    public async Task<long?> WriteAsync(long id, long? parent, bool removed, long knownVersion)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await LockAsync(connection);
        await using (var last = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM region_tree WHERE service_id = $1", connection))
        {
            last.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
            if ((long)(await last.ExecuteScalarAsync())! != knownVersion)
            {
                return null;
            }
        }
        await using var write = new NpgsqlCommand("""
            INSERT INTO region_tree AS r (service_id, id, parent_id, removed, version)
            VALUES ($1, $2, $3, $4, nextval('region_tree_change'))
            ON CONFLICT (service_id, id) DO UPDATE
                SET parent_id = excluded.parent_id, removed = excluded.removed, version = excluded.version
            RETURNING r.version
            """, connection);
        write.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        write.Parameters.Add(new NpgsqlParameter { Value = id });
        write.Parameters.Add(new NpgsqlParameter { Value = (object?)parent ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        write.Parameters.Add(new NpgsqlParameter { Value = removed });
        var version = (long)(await write.ExecuteScalarAsync())!;
        await transaction.CommitAsync();
        return version;
    }

    /// <summary>
    /// Copies the regions the previous version kept in grain states into the table, once per
    /// service, and removes those states; the number of regions copied (0 when done before).
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
                var state = serializer.Deserialize<LegacyRegionNodeState>(new BinaryData(reader.GetFieldValue<byte[]>(1)));
                if (state is { Exists: true })
                {
                    regions.Add((reader.GetInt64(0), state.Parent));
                }
            }
        }
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO region_tree (service_id, id, parent_id, removed, version)
            SELECT $1, r.id, r.parent_id, false, nextval('region_tree_change')
            FROM unnest($2::bigint[], $3::bigint[]) AS r(id, parent_id)
            ON CONFLICT (service_id, id) DO NOTHING
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
