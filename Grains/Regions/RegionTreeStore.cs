using EventsSubscriptions.Grains.Compatibility;
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
    /// <summary>The regions an earlier version kept in grain states, imported before the first read (Compatibility).</summary>
    private readonly LegacyRegionImport legacy = new(dataSource, cluster, serializer, logger);

    private string ServiceId => cluster.Value.ServiceId;

    /// <summary>
    /// The rows written after <paramref name="afterVersion"/>, in version order (all of them from 0):
    /// of one tenant, or of all of them (null).
    /// </summary>
    public async Task<List<RegionRow>> ChangesAsync(long afterVersion, string? tenant = null, CancellationToken cancellationToken = default)
    {
        await legacy.EnsureImportedAsync();
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
        await legacy.EnsureImportedAsync();
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

    /// <summary>Imports the earlier version's regions now, if not done before; the number imported (<see cref="LegacyRegionImport"/>).</summary>
    public Task<int> ImportLegacyAsync(CancellationToken cancellationToken = default) => legacy.ImportAsync(cancellationToken);

    private Task LockAsync(NpgsqlConnection connection) => LockAsync(connection, ServiceId);

    /// <summary>Holds the tree's advisory lock until the transaction ends: every writer of <c>region_tree</c> takes it.</summary>
    internal static async Task LockAsync(NpgsqlConnection connection, string serviceId)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = $"events-subscriptions/{serviceId}/region-tree" });
        await command.ExecuteNonQueryAsync();
    }
}
