using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Interfaces.Text;
using NpgsqlTypes;
using Orleans.Configuration;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>
/// The sender's side of <c>delivery_outbox</c> and <c>delivery_log</c>: attempts are recorded in
/// batches across the grains of the silo (the outbox row's state and the log row in one statement).
/// This part records attempts and changes deliveries; the reads, the sender's window and retention
/// are in the other DeliveryStore.*.cs parts.
/// </summary>
public sealed partial class DeliveryStore(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, OutboxWriter outbox, DeliveryMetrics metrics, ILogger<DeliveryStore> logger)
    : BatchingWriter<AttemptRecord, bool>(logger, metrics)
{
    /// <summary>
    /// Queues a delivery (its outbox row), written with the rows of other subscriptions by
    /// <see cref="OutboxWriter"/>; false when the subscription had the event queued already.
    /// </summary>
    public Task<bool> AppendAsync(OutboxRow row) => outbox.AppendAsync(row);

    /// <summary>How many deliveries of a subscription wait to be sent, and when it last queued one.</summary>
    public Task<(long Pending, DateTimeOffset? LastQueuedOn)> ReadQueueAsync(long subscriptionId, CancellationToken cancellationToken = default) =>
        outbox.ReadSubscriptionAsync(subscriptionId, cancellationToken);

    public Task RecordAsync(AttemptRecord record) => EnqueueAsync(record);

    protected override async Task<IReadOnlyList<bool>> WriteAsync(IReadOnlyList<AttemptRecord> batch, CancellationToken cancellationToken)
    {
        // The batch's range of event ids, when it has one that holds in SQL, names the partitions
        // (weeks of events) the update reads: PostgreSQL then sets up only those, not every week's.
        var range = EventIds.Range(batch.Select(b => b.EventId));
        await using var command = dataSource.CreateCommand($"""
            WITH r AS (
                SELECT * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[],
                                     $9::int[], $10::int[], $11::text[], $12::text[], $13::timestamptz[], $14::timestamptz[], $15::text[],
                                     $16::text[])
                    WITH ORDINALITY AS r(subscription_id, delivery_id, event_id, event_name, entity_key, attempt, outcome,
                                         status_code, duration_ms, error, excerpt, created_on, next_attempt_on, state, headers, n)
            ), updated AS (
                UPDATE delivery_outbox o
                SET state = r.state, attempts = r.attempt, next_attempt_on = r.next_attempt_on
                FROM r
                WHERE o.service_id = $1 AND o.subscription_id = r.subscription_id AND o.event_id = r.event_id
                      {(range is null ? "" : "AND o.event_id >= $17 AND o.event_id <= $18")}
                RETURNING 1
            ), counted AS (
                {CountRows("r")}
            )
            INSERT INTO delivery_log (service_id, subscription_id, delivery_id, event_id, event_name, entity_key, attempt, outcome,
                                      status_code, duration_ms, error, response_excerpt, created_on, next_attempt_on, response_headers)
            SELECT $1, subscription_id, delivery_id, event_id, event_name, entity_key, attempt, outcome,
                   status_code, duration_ms, error, excerpt, created_on, next_attempt_on, headers
            FROM r ORDER BY n
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        Add(command, batch.Select(b => b.SubscriptionId).ToArray(), NpgsqlDbType.Bigint);
        Add(command, batch.Select(b => b.DeliveryId).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.EventId).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.EventName).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.EntityKey).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.Attempt).ToArray(), NpgsqlDbType.Integer);
        Add(command, batch.Select(b => WireText.Of(b.Outcome)).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.StatusCode).ToArray(), NpgsqlDbType.Integer);
        Add(command, batch.Select(b => b.DurationMs).ToArray(), NpgsqlDbType.Integer);
        // Error and excerpt come from WebhookSender, which cleans what a receiver sends; a row the
        // database still refuses is left out of its batch by BatchingWriter.
        Add(command, batch.Select(b => b.Error).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.ResponseExcerpt).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.CreatedOn.UtcDateTime).ToArray(), NpgsqlDbType.TimestampTz);
        Add(command, batch.Select(b => b.NextAttemptOn?.UtcDateTime).ToArray(), NpgsqlDbType.TimestampTz);
        Add(command, batch.Select(b => WireText.Of(b.State)).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.ResponseHeaders).ToArray(), NpgsqlDbType.Text);
        if (range is { } bounds)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = bounds.Low });
            command.Parameters.Add(new NpgsqlParameter { Value = bounds.High });
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
        return batch.Select(_ => true).ToList();
    }

    /// <summary>
    /// Cancels every pending delivery of an archived subscription, each logged as CANCELLED, but
    /// those of <paramref name="underWay"/>: their calls are under way, and their own records end them.
    /// </summary>
    public async Task CancelPendingAsync(long subscriptionId, DateTimeOffset now, IReadOnlyCollection<string> underWay,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH cancelled AS (
                UPDATE delivery_outbox SET state = {DeliverySql.Cancelled}, next_attempt_on = NULL
                WHERE service_id = $1 AND subscription_id = $2 AND state = {DeliverySql.Pending} AND NOT (event_id = ANY($4))
                RETURNING subscription_id, event_id, event_name, entity_key, attempts, seq, $3::timestamptz AS created_on
            ), counted AS (
                {CountRows("cancelled")}
            )
            INSERT INTO delivery_log (service_id, subscription_id, delivery_id, event_id, event_name, entity_key, attempt, outcome,
                                      error, created_on)
            SELECT $1, subscription_id, subscription_id || '-' || event_id, event_id, event_name, entity_key, attempts,
                   {DeliverySql.CancelledOutcome}, 'the subscription was archived', $3
            FROM cancelled ORDER BY seq
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
        command.Parameters.Add(new NpgsqlParameter { Value = now.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = underWay.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Makes finished deliveries of a window pending again (attempts from zero); returns how many.</summary>
    public async Task<int> RequeueAsync(long subscriptionId, DateTimeOffset since, DateTimeOffset? until, bool onlyFailed,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE delivery_outbox o SET state = {DeliverySql.Pending}, attempts = 0, next_attempt_on = NULL, data = {StoredBodies.OwnData}
            WHERE o.service_id = $1 AND o.subscription_id = $2 AND o.created_on >= $3 AND ($4::timestamptz IS NULL OR o.created_on < $4)
              AND o.state <> {DeliverySql.Pending} AND (NOT $5 OR o.state = {DeliverySql.Exhausted}) AND {StoredBodies.Available}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
        command.Parameters.Add(new NpgsqlParameter { Value = since.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)until?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = onlyFailed });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Makes one delivery pending and due now: its attempts are kept while it was pending, and
    /// start again from zero when it had finished. Its state before, or null when there is no such delivery.
    /// </summary>
    public async Task<DeliveryState?> RetryOneAsync(long subscriptionId, string eventId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH previous AS (
                SELECT state FROM delivery_outbox
                WHERE service_id = $1 AND subscription_id = $2 AND event_id = $3
                FOR UPDATE
            )
            UPDATE delivery_outbox o
            SET state = {DeliverySql.Pending}, next_attempt_on = NULL, data = {StoredBodies.OwnData},
                attempts = CASE WHEN p.state = {DeliverySql.Pending} THEN o.attempts ELSE 0 END
            FROM previous p
            WHERE o.service_id = $1 AND o.subscription_id = $2 AND o.event_id = $3 AND {StoredBodies.Available}
            RETURNING p.state
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        return await command.ExecuteScalarAsync(cancellationToken) is string previous ? DeliveryStates.Read(previous) : null;
    }

    /// <summary>
    /// The statement (a CTE's body) that adds the log rows of <paramref name="rows"/> (subscription_id,
    /// created_on) to each subscription's count of the day, in key order (no two writers wait on
    /// each other's counts in opposite orders).
    /// </summary>
    private static string CountRows(string rows) => $"""
        INSERT INTO delivery_log_count (service_id, subscription_id, day, n)
        SELECT $1, subscription_id, (created_on AT TIME ZONE 'UTC')::date, count(*) FROM {rows}
        GROUP BY 2, 3 ORDER BY 2, 3
        ON CONFLICT (service_id, subscription_id, day) DO UPDATE SET n = delivery_log_count.n + excluded.n
        """;

    private static void Add<T>(NpgsqlCommand command, T[] values, NpgsqlDbType type) =>
        command.Parameters.Add(new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | type });
}
