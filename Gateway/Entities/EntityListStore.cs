using Npgsql;
using NpgsqlTypes;

namespace EventsSubscriptions.Gateway.Entities;

/// <summary>
/// Reads a resource's entities for <c>GET /rest/v1/{resource}</c> from <c>entity_state</c>, the
/// table each entity's grain writes in the transaction that queues its event: a list shows what the
/// webhooks carry. Rows are read in id order, a chunk at a time, by the primary key.
/// </summary>
public sealed class EntityListStore(NpgsqlDataSource dataSource, string serviceId)
{
    /// <summary>
    /// Up to <paramref name="count"/> entities of the (tenant-qualified) resource after
    /// <paramref name="after"/> in id order (before it, descending), as stored.
    /// </summary>
    public async Task<IReadOnlyList<(long Id, string Snapshot)>> ReadAsync(string resource, long? after, bool descending, int count,
        CancellationToken cancellationToken, int skip = 0)
    {
        await using var command = dataSource.CreateCommand(descending
            ? "SELECT id, snapshot FROM entity_state WHERE service_id = $1 AND resource = $2 AND snapshot IS NOT NULL AND id < $3 ORDER BY id DESC LIMIT $4 OFFSET $5"
            : "SELECT id, snapshot FROM entity_state WHERE service_id = $1 AND resource = $2 AND snapshot IS NOT NULL AND id > $3 ORDER BY id LIMIT $4 OFFSET $5");
        command.Parameters.Add(new NpgsqlParameter { Value = serviceId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = resource, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = after ?? (descending ? long.MaxValue : long.MinValue), NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = count, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = skip, NpgsqlDbType = NpgsqlDbType.Integer });
        var rows = new List<(long, string)>(count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1)));
        }
        return rows;
    }

    /// <summary>How many entities the (tenant-qualified) resource holds.</summary>
    public async Task<long> CountAsync(string resource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*) FROM entity_state WHERE service_id = $1 AND resource = $2 AND snapshot IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = serviceId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = resource, NpgsqlDbType = NpgsqlDbType.Text });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
