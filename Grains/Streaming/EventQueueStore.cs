using NpgsqlTypes;
using Orleans.Configuration;
using EventsSubscriptions.Grains.Persistence;

namespace EventsSubscriptions.Grains.Streaming;

/// <summary>
/// What one commit carries for one caller: an entity's new state with its event, or (no
/// <see cref="Resource"/>) a stream message alone. <see cref="EventId"/> is the entity's event,
/// kept with its row (what an answer that changes nothing names).
/// </summary>
/// <param name="Trigger">The trigger of the event (created, updated, an action…), kept with the entity's row for previews.</param>
/// <param name="OccurredOn">The event's time (its <c>meta.occurredOn</c>), kept likewise.</param>
public sealed record EventQueueItem(string? Resource, long EntityId, long Sequence, string? Snapshot, int Queue, byte[] Payload, string? EventId = null,
    string? Trigger = null, DateTimeOffset? OccurredOn = null);

/// <summary>A message read from a queue; <see cref="Attempts"/> counts its earlier claims that expired.</summary>
public sealed record ClaimedMessage(long Id, int Receipt, int Attempts, DateTimeOffset CreatedOn, byte[] Payload);

/// <summary>
/// The event queue's tables (<c>event_queue</c>, <c>entity_state</c>). Appends of every grain of
/// the silo are coalesced: one statement, one commit, for all the items queued while the previous
/// commit ran (group commit). An item's task completes with true when it is durable, false when
/// its entity's stored sequence was not the one before it (another activation wrote first).
/// </summary>
public sealed class EventQueueStore(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, Delivery.DeliveryMetrics metrics, ILogger<EventQueueStore> logger)
    : BatchingWriter<EventQueueItem, bool>(logger, metrics)
{
    private string ServiceId => cluster.Value.ServiceId;

    public Task<bool> AppendAsync(EventQueueItem item) => EnqueueAsync(item);

    /// <summary>
    /// Routing yields to commits: while this silo commits entity changes <paramref name="items"/> or more to
    /// a commit on average (callers queue for the commit: a burst), waits for the burst to end, at
    /// most <paramref name="longest"/>. A read of the queue for routing calls this before it
    /// claims: routing a batch and making its deliveries takes about ten times the CPU of accepting
    /// its events, on the same cores. The events are durable already; only their routing waits,
    /// never longer than <paramref name="longest"/> per read. Returns how long it waited.
    /// </summary>
    public async Task<TimeSpan> WaitOutBurstAsync(double items, TimeSpan longest, CancellationToken cancellationToken)
    {
        var waited = await WaitWhileCoalescingAsync(items, longest, cancellationToken);
        if (waited > TimeSpan.Zero)
        {
            Metrics?.RoutingYielded(waited);
        }
        return waited;
    }

    protected override async Task<IReadOnlyList<bool>> WriteAsync(IReadOnlyList<EventQueueItem> batch, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT ord FROM event_queue_commit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => (object?)b.Resource ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.EntityId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.Sequence).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => (object?)b.Snapshot ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.Queue).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.Payload).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => (object?)b.EventId ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => (object?)b.Trigger ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => (object?)b.OccurredOn?.UtcDateTime ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        var written = new HashSet<long>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                written.Add(reader.GetInt64(0));
            }
        }
        return batch.Select((_, i) => written.Contains(i + 1)).ToList();
    }

    private Task<bool>? legacyEntityState;

    /// <summary>
    /// Whether the service still has entity state written by a version before the event queue
    /// (Orleans grain storage rows of <paramref name="grainType"/>). Asked once per silo: the new
    /// version never writes such rows, so a silo that found none never looks again.
    /// </summary>
    public Task<bool> HasLegacyEntityStateAsync(string grainType)
    {
        if (legacyEntityState is { IsCompletedSuccessfully: true } known)
        {
            return known;
        }
        return legacyEntityState = QueryAsync();

        async Task<bool> QueryAsync()
        {
            await using var command = dataSource.CreateCommand(
                "SELECT EXISTS (SELECT 1 FROM orleans_grain_state WHERE serviceid = $1 AND graintypestring = $2)");
            command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
            command.Parameters.Add(new NpgsqlParameter { Value = grainType });
            return (bool)(await command.ExecuteScalarAsync())!;
        }
    }

    /// <summary>
    /// An entity's stored state: its last event's sequence, its JSON (null once deleted) and its
    /// last event's id (null if written by a version that did not keep it); null if it has no row.
    /// </summary>
    public async Task<(long Sequence, string? Snapshot, string? EventId)?> ReadEntityAsync(string resource, long id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT sequence, snapshot, event_id FROM entity_state WHERE service_id = $1 AND resource = $2 AND id = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = resource });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    public async Task<IReadOnlyList<ClaimedMessage>> ClaimAsync(int queue, int max, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT id, receipt, attempts, created_on, payload FROM event_queue_claim($1, $2, $3, $4)");
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = max });
        command.Parameters.Add(new NpgsqlParameter { Value = (int)Math.Ceiling(visibility.TotalSeconds) });
        var claimed = new List<ClaimedMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add(new ClaimedMessage(reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2),
                new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero), (byte[])reader.GetValue(4)));
        }
        // The claim returns rows in no fixed order; the stream's order is the ids'.
        claimed.Sort((a, b) => a.Id.CompareTo(b.Id));
        return claimed;
    }

    public async Task ConfirmAsync(int queue, IReadOnlyList<(long Id, int Receipt)> messages, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT event_queue_confirm($1, $2, $3, $4)");
        AddClaims(command, queue, messages);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Makes claimed messages visible again at once, spending no attempt: a receiver that stops
    /// hands them over, and a failed delivery hands them back to be delivered again.
    /// </summary>
    public async Task<int> ReleaseAsync(int queue, IReadOnlyCollection<(long Id, int Receipt)> messages, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE event_queue m SET visible_on = clock_timestamp(), receipt = m.receipt + 1, claimed = false
            FROM unnest($3::bigint[], $4::integer[]) AS r(id, receipt)
            WHERE m.service_id = $1 AND m.queue = $2 AND m.id = r.id AND m.receipt = r.receipt
            """);
        AddClaims(command, queue, messages);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Keeps claimed messages invisible to other pulls while their delivery is under way.</summary>
    public async Task ExtendAsync(int queue, IReadOnlyCollection<(long Id, int Receipt)> messages, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE event_queue m SET visible_on = clock_timestamp() + $5
            FROM unnest($3::bigint[], $4::integer[]) AS r(id, receipt)
            WHERE m.service_id = $1 AND m.queue = $2 AND m.id = r.id AND m.receipt = r.receipt
            """);
        AddClaims(command, queue, messages);
        command.Parameters.Add(new NpgsqlParameter { Value = visibility });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Moves claimed messages whose attempts are spent to the dead letters.</summary>
    public async Task BuryAsync(int queue, IReadOnlyCollection<(long Id, int Receipt)> messages, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT event_queue_bury($1, $2, $3, $4)");
        AddClaims(command, queue, messages);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Makes every message still claimed on a queue visible at once (a new owner takes the queue
    /// over). The claim stays counted: the next one spends an attempt, as an expired claim does, so
    /// that a message that kills the silos reading it still ends in the dead letters.
    /// </summary>
    public async Task<int> TakeOverAsync(int queue, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE event_queue SET visible_on = clock_timestamp(), receipt = receipt + 1
            WHERE service_id = $1 AND queue = $2 AND claimed AND visible_on > clock_timestamp()
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Parameters $1–$4 of a statement about claimed messages: the service, the queue, the ids and their receipts.</summary>
    private void AddClaims(NpgsqlCommand command, int queue, IEnumerable<(long Id, int Receipt)> messages)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.Id).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.Receipt).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
    }

    /// <summary>Forgets a queue's dead letters older than the retention.</summary>
    public async Task ForgetDeadLettersAsync(int queue, TimeSpan retention, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM event_queue_dead_letter WHERE service_id = $1 AND queue = $2 AND dead_on < clock_timestamp() - $3");
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = retention });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
