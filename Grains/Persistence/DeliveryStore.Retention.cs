namespace EventsSubscriptions.Grains.Persistence;

// Retention: the delivery log's daily partitions, the purge of finished deliveries and of shared data.
public sealed partial class DeliveryStore
{
    /// <summary>
    /// Makes sure the delivery log has a partition for each day from <paramref name="today"/> to
    /// <paramref name="daysAhead"/> days on; returns how many were added.
    /// </summary>
    public async Task<int> AddLogPartitionsAsync(DateTimeOffset today, int daysAhead, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT delivery_log_add_partitions($1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = today.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = daysAhead });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Drops the delivery log's partitions (days) that end before <paramref name="before"/>: one
    /// statement per day, whatever its rows. Returns about how many rows went (the planner's estimate).
    /// </summary>
    public async Task<long> DropLogPartitionsAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT delivery_log_drop_partitions($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = before.UtcDateTime });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Deletes expired rows of the log kept from before its partitions (migration 0017), a bounded
    /// batch at a time, until that partition goes whole; returns how many went.
    /// </summary>
    public async Task<int> PurgeUpgradedLogAsync(DateTimeOffset before, int batch, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT delivery_log_purge_upgraded($1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = before.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = batch });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Deletes finished deliveries (sent, exhausted or cancelled) queued before the retention, a
    /// bounded batch at a time; pending ones stay whatever their age. Replay reaches back as far.
    /// </summary>
    public async Task<int> PurgeFinishedAsync(DateTimeOffset before, int batch, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            DELETE FROM delivery_outbox WHERE (service_id, subscription_id, event_id) IN (
                SELECT service_id, subscription_id, event_id FROM delivery_outbox
                WHERE service_id = $1 AND state <> {DeliverySql.Pending} AND created_on < $2 LIMIT $3)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = before.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = batch });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Copies shared data into the pending deliveries queued before <paramref name="before"/> that
    /// still read it from <c>delivery_body</c>, so that <see cref="PurgeSharedDataAsync"/> can remove
    /// it: a delivery waits as long as it must, whatever the age of its event. Reads the pending
    /// deliveries only (by their index); returns how many were given a copy.
    /// </summary>
    public async Task<int> KeepSharedDataAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE delivery_outbox o SET data = {StoredBodies.OwnData}
            WHERE o.service_id = $1 AND o.state = {DeliverySql.Pending} AND o.created_on < $2 AND o.body IS NULL AND o.data IS NULL
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = before.UtcDateTime });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Deletes the shared data of events accepted before <paramref name="acceptedBefore"/>, a bounded
    /// batch at a time, by the key's order (event ids are version 7 UUIDs, lowercase hex: their text
    /// sorts by acceptance time in any collation). Safe once every delivery that may still need it
    /// has a copy: the finished ones queued since are younger than the retention, the pending ones were
    /// given copies by <see cref="KeepSharedDataAsync"/>, and a replay copies the data into the rows it requeues.
    /// </summary>
    public async Task<int> PurgeSharedDataAsync(DateTimeOffset acceptedBefore, int batch, CancellationToken cancellationToken = default)
    {
        var ms = acceptedBefore.ToUnixTimeMilliseconds();
        await using var command = dataSource.CreateCommand("""
            DELETE FROM delivery_body WHERE ctid = ANY (ARRAY(
                SELECT ctid FROM delivery_body WHERE service_id = $1 AND event_id < $2 ORDER BY event_id LIMIT $3))
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = $"{ms >> 16:x8}-{ms & 0xFFFF:x4}" });
        command.Parameters.Add(new NpgsqlParameter { Value = batch });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
