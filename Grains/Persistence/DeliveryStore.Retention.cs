namespace EventsSubscriptions.Grains.Persistence;

// Retention: the partitions of the delivery log (days), of the deliveries and of their shared data (weeks).
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
    /// Makes sure the deliveries and their shared data have a partition (a week of events) for each
    /// day from <paramref name="today"/> to <paramref name="daysAhead"/> days on; returns how many were added.
    /// </summary>
    public async Task<int> AddDeliveryPartitionsAsync(DateTimeOffset today, int daysAhead, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT delivery_add_partitions($1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = today.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = daysAhead });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Drops the deliveries of events accepted before <paramref name="before"/>, a week at a time,
    /// whatever its rows, keeping the pending ones: each week's pending deliveries move, with their own
    /// copy of the data they shared, into the partition that takes ids no week holds. Returns about
    /// how many rows went (the planner's estimate) and how many pending deliveries were kept.
    /// </summary>
    public async Task<(long Dropped, long Kept)> DropDeliveryPartitionsAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT dropped, kept FROM delivery_outbox_drop_partitions($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = before.UtcDateTime });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Deletes finished deliveries (sent, exhausted or cancelled) queued before the retention from the
    /// partitions that are not a week (the rows kept from before the partitions, and the pending ones
    /// kept past their week once they finish), a bounded batch at a time; pending ones stay whatever
    /// their age. Replay reaches back as far.
    /// </summary>
    public async Task<int> PurgeFinishedAsync(DateTimeOffset before, int batch, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT delivery_outbox_purge_unpartitioned($1, $2, $3)");
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = before.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = batch });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
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
    /// Drops the shared data of events accepted before <paramref name="acceptedBefore"/>, a week at a
    /// time; returns about how many rows went. Safe once every delivery that may still need it has a
    /// copy: the finished ones queued since are younger than the retention, the pending ones were given
    /// copies (by <see cref="DropDeliveryPartitionsAsync"/> and <see cref="KeepSharedDataAsync"/>), and
    /// a replay copies the data into the rows it requeues.
    /// </summary>
    public async Task<long> DropSharedDataAsync(DateTimeOffset acceptedBefore, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT delivery_body_drop_partitions($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = acceptedBefore.UtcDateTime });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// The same for the shared data outside the weeks' partitions (kept from before them), a bounded
    /// batch at a time by the key's order (event ids are version 7 UUIDs: their text sorts by time).
    /// </summary>
    public async Task<int> PurgeSharedDataAsync(DateTimeOffset acceptedBefore, int batch, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT delivery_body_purge_unpartitioned($1, $2, $3)");
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = acceptedBefore.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = batch });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
