namespace EventsSubscriptions.Grains.Persistence;

// Retention: the delivery log's daily partitions, and the purge of finished deliveries.
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
}
