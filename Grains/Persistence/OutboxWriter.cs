using EventsSubscriptions.Grains.Delivery;
using NpgsqlTypes;
using Orleans.Configuration;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>
/// A delivery to queue: one (subscription, event), its body's meta and data, and the event's trace
/// context when tracing is on. <see cref="Shape"/> names the data shared by the event's deliveries
/// (written once in <c>delivery_body</c>); null keeps the data in the delivery's own row.
/// </summary>
public sealed record OutboxRow(long SubscriptionId, string EntityKey, long EntitySequence, WebhookMeta Meta, string Data, string? Shape,
    DateTimeOffset CreatedOn, string? TraceParent = null)
{
    public string EventId => Meta.EventId;

    public string EventName => Meta.EventName;

    /// <summary>The webhook body, as a read of the row puts it together again.</summary>
    public string Body() => WebhookPayload.Compose(Meta, Data);
}

/// <summary>
/// Writes <c>delivery_outbox</c> for the subscription grains of this silo, batched, and the data
/// their rows share in <c>delivery_body</c>. A row's task completes with true when it is durable,
/// false when it was there already (a re-delivered event).
/// </summary>
public sealed class OutboxWriter(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, DeliveryMetrics metrics, ILogger<OutboxWriter> logger)
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
        // Each shared data once per batch. Data already committed (by another silo's batch, or
        // before a re-delivery) is not written again; data another batch is writing at this moment
        // may be, rather than wait for that batch (delivery_body's key is not unique).
        var shared = batch.Where(row => row.Shape is not null).DistinctBy(row => (row.EventId, row.Shape)).ToList();
        // The range of their event ids, when it holds in SQL, names the partitions the check reads.
        var range = EventIds.Range(shared.Select(row => row.EventId));
        await using var command = dataSource.CreateCommand($$"""
            WITH shared AS (
                INSERT INTO delivery_body (service_id, event_id, shape, data)
                SELECT $1, b.event_id, b.shape, b.data FROM unnest($12::text[], $13::text[], $14::text[]) AS b(event_id, shape, data)
                WHERE NOT EXISTS (SELECT 1 FROM delivery_body d WHERE d.service_id = $1 AND d.event_id = b.event_id AND d.shape = b.shape
                                  {{(range is null ? "" : "AND d.event_id >= $18 AND d.event_id <= $19")}})
            )
            INSERT INTO delivery_outbox (service_id, subscription_id, event_id, entity_key, entity_seq, event_name, created_on, trace_parent,
                                         occurred_on, custom_id, language, body_shape, data, action_body)
            SELECT $1, r.subscription_id, r.event_id, r.entity_key, r.entity_seq, r.event_name, r.created_on, r.trace_parent,
                   r.occurred_on, r.custom_id, r.language, r.shape, r.data, r.action_body
            FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[], $8::text[],
                        $9::timestamptz[], $10::text[], $11::text[], $15::text[], $16::text[], $17::text[])
                 WITH ORDINALITY AS r(subscription_id, event_id, entity_key, entity_seq, event_name, created_on, trace_parent,
                                      occurred_on, custom_id, language, shape, data, action_body, n)
            ORDER BY r.n
            ON CONFLICT (service_id, subscription_id, event_id) DO NOTHING
            RETURNING subscription_id, event_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        Add(command, batch.Select(b => b.SubscriptionId).ToArray(), NpgsqlDbType.Bigint);
        Add(command, batch.Select(b => b.EventId).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.EntityKey).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.EntitySequence).ToArray(), NpgsqlDbType.Bigint);
        Add(command, batch.Select(b => b.EventName).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.CreatedOn.UtcDateTime).ToArray(), NpgsqlDbType.TimestampTz);
        Add(command, batch.Select(b => b.TraceParent).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.Meta.OccurredOn.UtcDateTime).ToArray(), NpgsqlDbType.TimestampTz);
        Add(command, batch.Select(b => b.Meta.CustomId).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.Meta.Language).ToArray(), NpgsqlDbType.Text);
        Add(command, shared.Select(b => b.EventId).ToArray(), NpgsqlDbType.Text);
        Add(command, shared.Select(b => b.Shape).ToArray(), NpgsqlDbType.Text);
        Add(command, shared.Select(b => b.Data).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.Shape).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.Shape is null ? b.Data : null).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.Meta.ActionBody).ToArray(), NpgsqlDbType.Text);
        if (range is { } bounds)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = bounds.Low });
            command.Parameters.Add(new NpgsqlParameter { Value = bounds.High });
        }
        var inserted = new HashSet<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted.Add((reader.GetInt64(0), reader.GetString(1)));
        }
        return inserted;
    }

    private static void Add<T>(NpgsqlCommand command, T[] values, NpgsqlDbType type) =>
        command.Parameters.Add(new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | type });

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
