using NpgsqlTypes;
using Orleans.Configuration;

namespace EventsSubscriptions.Grains.Entities;

/// <summary>An entity as its row in <c>entity_state</c> has it.</summary>
public sealed record EntityRow(long Id, long Sequence, string Snapshot);

/// <summary>An entity's last event, as its row has it (migration 0024).</summary>
public sealed record EntityLastEvent(long Id, long Sequence, string Snapshot, string EventId, string Trigger, DateTimeOffset OccurredOn);

/// <summary>
/// Reads of a resource's entities in <c>entity_state</c> for previews and backfills, a bounded
/// chunk at a time by the primary key; <c>resource</c> is tenant-qualified (<c>Tenants.Qualify</c>).
/// Deleted entities (no snapshot) are left out.
/// </summary>
public sealed class EntityRows(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster)
{
    private string ServiceId => cluster.Value.ServiceId;

    /// <summary>
    /// Up to <paramref name="count"/> entities after <paramref name="after"/> in id order, and the
    /// database's clock as the first row was read (after the statement's snapshot was taken): every
    /// change the rows show was committed before it.
    /// </summary>
    public async Task<(IReadOnlyList<EntityRow> Rows, DateTimeOffset ReadOn)> ReadAsync(string resource, long after, int count,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, sequence, snapshot, clock_timestamp() FROM entity_state
            WHERE service_id = $1 AND resource = $2 AND id > $3 AND snapshot IS NOT NULL
            ORDER BY id LIMIT $4
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = resource });
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        command.Parameters.Add(new NpgsqlParameter { Value = count });
        return await RowsAsync(command, cancellationToken);
    }

    /// <summary>The entities among <paramref name="ids"/> that still exist, in id order, and the database's clock as <see cref="ReadAsync"/> gives it.</summary>
    public async Task<(IReadOnlyList<EntityRow> Rows, DateTimeOffset ReadOn)> ReadIdsAsync(string resource, long[] ids,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, sequence, snapshot, clock_timestamp() FROM entity_state
            WHERE service_id = $1 AND resource = $2 AND id = ANY($3) AND snapshot IS NOT NULL
            ORDER BY id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = resource });
        command.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        return await RowsAsync(command, cancellationToken);
    }

    /// <summary>The rows of a read (id, sequence, snapshot, then the clock), and the clock of the first (now, when there is none).</summary>
    private async Task<(IReadOnlyList<EntityRow> Rows, DateTimeOffset ReadOn)> RowsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<EntityRow>();
        DateTimeOffset? readOn = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new EntityRow(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
                readOn ??= new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero);
            }
        }
        return (rows, readOn ?? await NowAsync(cancellationToken));
    }

    /// <summary>How many entities the resource holds (read by its key's range).</summary>
    public async Task<long> CountAsync(string resource, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*) FROM entity_state WHERE service_id = $1 AND resource = $2 AND snapshot IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = resource });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The stored sequence of each of <paramref name="ids"/> that still has a snapshot (a deleted one is absent).</summary>
    public async Task<Dictionary<long, long>> SequencesAsync(string resource, IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, sequence FROM entity_state
            WHERE service_id = $1 AND resource = $2 AND id = ANY($3) AND snapshot IS NOT NULL
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = resource });
        command.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        var sequences = new Dictionary<long, long>(ids.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sequences[reader.GetInt64(0)] = reader.GetInt64(1);
        }
        return sequences;
    }

    /// <summary>
    /// The last events of the <paramref name="count"/> entities changed most recently since
    /// <paramref name="since"/>, newest first. Reads the resource's rows (no index by time: one
    /// would make every entity update write an index entry more); its cost grows with the resource.
    /// </summary>
    public async Task<IReadOnlyList<EntityLastEvent>> RecentAsync(string resource, DateTimeOffset since, int count,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, sequence, snapshot, event_id, event_trigger, event_on FROM entity_state
            WHERE service_id = $1 AND resource = $2 AND snapshot IS NOT NULL AND event_trigger IS NOT NULL
              AND event_id IS NOT NULL AND event_on >= $3
            ORDER BY event_on DESC, id DESC LIMIT $4
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = resource });
        command.Parameters.Add(new NpgsqlParameter { Value = since.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = count });
        var events = new List<EntityLastEvent>(count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new EntityLastEvent(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), new DateTimeOffset(reader.GetDateTime(5), TimeSpan.Zero)));
        }
        return events;
    }

    /// <summary>
    /// Whether the event queue still holds a message written at or before <paramref name="on"/>
    /// (the database's clock): an event not yet routed, or routed but not yet confirmed.
    /// </summary>
    public async Task<bool> QueuedSinceBeforeAsync(DateTimeOffset on, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM event_queue WHERE service_id = $1 AND created_on <= $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = on.UtcDateTime });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<DateTimeOffset> NowAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT clock_timestamp()");
        return new DateTimeOffset((DateTime)(await command.ExecuteScalarAsync(cancellationToken))!, TimeSpan.Zero);
    }
}
