using NpgsqlTypes;
using Orleans.Configuration;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>A delivery to queue: one (subscription, event) with the body built for it, and the event's trace context when tracing is on.</summary>
public sealed record OutboxRow(long SubscriptionId, string EventId, string EntityKey, long EntitySequence, string EventName, string Body,
    DateTimeOffset CreatedOn, string? TraceParent = null);

/// <summary>
/// Writes <c>delivery_outbox</c> for the subscription grains of this silo, batched. A row's task
/// completes with true when it is durable, false when it was there already (a re-delivered event).
/// </summary>
public sealed class OutboxWriter(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, Delivery.DeliveryMetrics metrics, ILogger<OutboxWriter> logger)
    : BatchingWriter<OutboxRow, bool>(logger, metrics)
{
    public Task<bool> AppendAsync(OutboxRow row) => EnqueueAsync(row);

    protected override async Task<IReadOnlyList<bool>> WriteAsync(IReadOnlyList<OutboxRow> batch, CancellationToken cancellationToken)
    {
        var inserted = await InsertAsync(batch, cancellationToken);
        return batch.Select(row => inserted.Contains((row.SubscriptionId, row.EventId))).ToList();
    }

    private async Task<HashSet<(long, string)>> InsertAsync(IReadOnlyList<OutboxRow> batch, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO delivery_outbox (service_id, subscription_id, event_id, entity_key, entity_seq, event_name, body, created_on, trace_parent)
            SELECT $1, r.subscription_id, r.event_id, r.entity_key, r.entity_seq, r.event_name, r.body, r.created_on, r.trace_parent
            FROM unnest($2::bigint[], $3::text[], $4::text[], $8::bigint[], $5::text[], $6::text[], $7::timestamptz[], $9::text[])
                 WITH ORDINALITY AS r(subscription_id, event_id, entity_key, entity_seq, event_name, body, created_on, trace_parent, n)
            ORDER BY r.n
            ON CONFLICT (service_id, subscription_id, event_id) DO NOTHING
            RETURNING subscription_id, event_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.SubscriptionId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.EventId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.EntityKey).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.EventName).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.Body).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.CreatedOn.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.EntitySequence).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.TraceParent).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var inserted = new HashSet<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted.Add((reader.GetInt64(0), reader.GetString(1)));
        }
        return inserted;
    }

    /// <summary>
    /// How many deliveries of a subscription wait to be sent, and when it last queued one. Both read
    /// by index, never the subscription's history: the count walks the pending rows' partial index
    /// (it grows with what waits, not with what was sent), and the last queued is the newest event
    /// id's row (event ids are version 7 UUIDs, ordered by time).
    /// </summary>
    public async Task<(long Pending, DateTimeOffset? LastQueuedOn)> ReadSubscriptionAsync(long subscriptionId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT (SELECT count(*) FROM delivery_outbox
                    WHERE service_id = $1 AND subscription_id = $2 AND state = {DeliverySql.Pending}),
                   (SELECT created_on FROM delivery_outbox
                    WHERE service_id = $1 AND subscription_id = $2 ORDER BY event_id DESC LIMIT 1)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero));
    }
}
