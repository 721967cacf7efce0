using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.Configuration;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>One attempt of one delivery: a log row, and the delivery's new state.</summary>
public sealed record AttemptRecord
{
    public required long SubscriptionId { get; init; }
    public required string DeliveryId { get; init; }
    public required string EventId { get; init; }
    public required string EventName { get; init; }
    public required string EntityKey { get; init; }
    public required int Attempt { get; init; }
    public required LogOutcome Outcome { get; init; }
    public int? StatusCode { get; init; }
    public int? DurationMs { get; init; }
    public string? Error { get; init; }
    public string? ResponseExcerpt { get; init; }
    public string? ResponseHeaders { get; init; }
    public required DateTimeOffset CreatedOn { get; init; }
    public DateTimeOffset? NextAttemptOn { get; init; }
    public required DeliveryState State { get; init; }
}

/// <summary>
/// The sender's side of <c>delivery_outbox</c> and <c>delivery_log</c>: attempts are recorded in
/// batches across the grains of the silo (the outbox row's state and the log row in one statement).
/// </summary>
public sealed class DeliveryStore(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, OutboxWriter outbox, DeliveryMetrics metrics, ILogger<DeliveryStore> logger)
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

    public static readonly string Pending = DeliveryText.Of(DeliveryState.Pending);

    public Task RecordAsync(AttemptRecord record) => EnqueueAsync(record);

    protected override async Task<IReadOnlyList<bool>> WriteAsync(IReadOnlyList<AttemptRecord> batch, CancellationToken cancellationToken)
    {
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
        Add(command, batch.Select(b => DeliveryText.Of(b.Outcome)).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.StatusCode).ToArray(), NpgsqlDbType.Integer);
        Add(command, batch.Select(b => b.DurationMs).ToArray(), NpgsqlDbType.Integer);
        // Error and excerpt come from WebhookSender, which cleans what a receiver sends; a row the
        // database still refuses is set apart from its batch by BatchingWriter.
        Add(command, batch.Select(b => b.Error).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.ResponseExcerpt).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.CreatedOn.UtcDateTime).ToArray(), NpgsqlDbType.TimestampTz);
        Add(command, batch.Select(b => b.NextAttemptOn?.UtcDateTime).ToArray(), NpgsqlDbType.TimestampTz);
        Add(command, batch.Select(b => DeliveryText.Of(b.State)).ToArray(), NpgsqlDbType.Text);
        Add(command, batch.Select(b => b.ResponseHeaders).ToArray(), NpgsqlDbType.Text);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return batch.Select(_ => true).ToList();
    }

    /// <summary>
    /// The next pending deliveries of a subscription after outbox position <see cref="WindowRead.AfterSeq"/>,
    /// in outbox order, as many as the read's count and characters allow (the first always), and
    /// every pending delivery further on that comes before one of them in its entity's order. Both
    /// reads go by index (the pending rows by position, and by entity): none reads the subscription's history.
    /// </summary>
    /// <summary>What a held delivery takes beyond its body, in characters (ids, names, the object): counted against a read's budget.</summary>
    private const int FixedCharacters = 150;

    public async Task<WindowPage> ReadWindowAsync(long subscriptionId, WindowRead read, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH page AS (
                SELECT p.*, row_number() OVER (ORDER BY seq) AS n,
                       sum(length(body)::bigint + {FixedCharacters}) OVER (ORDER BY seq) - length(body) - {FixedCharacters} AS chars_before
                FROM (SELECT seq, event_id, event_name, entity_key, entity_seq, body, attempts, next_attempt_on, trace_parent
                      FROM delivery_outbox
                      WHERE service_id = $1 AND subscription_id = $2 AND state = {DeliverySql.Pending} AND seq > $3
                      ORDER BY seq LIMIT $4 + 1) p
            ), taken AS (
                SELECT * FROM page WHERE n <= $4 AND (n = 1 OR chars_before < $5)
            ), more AS (
                SELECT (SELECT count(*) FROM page) > (SELECT count(*) FROM taken) AS more, (SELECT max(seq) FROM taken) AS last
            )
            SELECT t.seq, t.event_id, t.event_name, t.entity_key, t.entity_seq, t.body, t.attempts, t.next_attempt_on, m.more, m.last, t.trace_parent
            FROM taken t CROSS JOIN more m
            UNION ALL
            SELECT o.seq, o.event_id, o.event_name, o.entity_key, o.entity_seq, o.body, o.attempts, o.next_attempt_on, m.more, m.last, o.trace_parent
            FROM (SELECT entity_key, max(entity_seq) AS top FROM taken GROUP BY entity_key) h
            CROSS JOIN more m
            CROSS JOIN LATERAL (
                SELECT seq, event_id, event_name, entity_key, entity_seq, body, attempts, next_attempt_on, trace_parent
                FROM delivery_outbox o
                WHERE o.service_id = $1 AND o.subscription_id = $2 AND o.state = {DeliverySql.Pending}
                  AND o.entity_key = h.entity_key AND o.entity_seq < h.top AND o.seq > m.last
            ) o
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
        command.Parameters.Add(new NpgsqlParameter { Value = read.AfterSeq });
        command.Parameters.Add(new NpgsqlParameter { Value = read.Deliveries });
        command.Parameters.Add(new NpgsqlParameter { Value = read.Characters });
        var deliveries = new List<PendingDelivery>();
        var last = read.AfterSeq;
        var more = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            deliveries.Add(new PendingDelivery
            {
                OutboxSeq = reader.GetInt64(0),
                EventId = reader.GetString(1),
                EventName = reader.GetString(2),
                EntityKey = reader.GetString(3),
                EntitySequence = reader.GetInt64(4),
                Body = reader.GetString(5),
                Attempts = reader.GetInt32(6),
                NextAttemptOn = reader.IsDBNull(7) ? null : new DateTimeOffset(reader.GetDateTime(7), TimeSpan.Zero),
                TraceParent = reader.IsDBNull(10) ? null : reader.GetString(10),
            });
            more = reader.GetBoolean(8);
            last = reader.GetInt64(9);
        }
        return new WindowPage(deliveries, last, more);
    }

    public async Task<DeliveryPage> ListAsync(long subscriptionId, string? state, int limit, int offset, CancellationToken cancellationToken = default)
    {
        long count;
        DateTimeOffset? oldest;
        await using (var counting = dataSource.CreateCommand($"""
            SELECT count(*) FILTER (WHERE $3::text IS NULL OR state = $3), min(created_on) FILTER (WHERE state = {DeliverySql.Pending})
            FROM delivery_outbox WHERE service_id = $1 AND subscription_id = $2
            """))
        {
            counting.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
            counting.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
            counting.Parameters.Add(new NpgsqlParameter { Value = (object?)state ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await using var reader = await counting.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            count = reader.GetInt64(0);
            oldest = reader.IsDBNull(1) ? null : new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero);
        }
        await using var command = dataSource.CreateCommand("""
            SELECT event_id, event_name, entity_key, entity_seq, state, attempts, next_attempt_on, created_on
            FROM delivery_outbox WHERE service_id = $1 AND subscription_id = $2 AND ($3::text IS NULL OR state = $3)
            ORDER BY seq DESC LIMIT $4 OFFSET $5
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)state ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        command.Parameters.Add(new NpgsqlParameter { Value = offset });
        var items = new List<DeliveryRecord>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(Record(reader, body: null));
            }
        }
        return new DeliveryPage(count, oldest, [.. items]);
    }

    public async Task<DeliveryRecord?> GetAsync(long subscriptionId, string eventId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT event_id, event_name, entity_key, entity_seq, state, attempts, next_attempt_on, created_on, body
            FROM delivery_outbox WHERE service_id = $1 AND subscription_id = $2 AND event_id = $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Record(reader, reader.GetString(8)) : null;
    }

    /// <summary>
    /// The newest events of a resource queued in the last day, with every subscription that queued
    /// each. For operators: it reads the outbox of that day without an index of its own.
    /// </summary>
    public async Task<RecentEvent[]> RecentEventsAsync(string tenant, string resource, int limit, CancellationToken cancellationToken = default)
    {
        // The tenant's deliveries alone: those of its subscriptions.
        await using var command = dataSource.CreateCommand("""
            WITH mine AS (
                SELECT id FROM subscription_list WHERE service_id = $1 AND tenant = $4 AND resource = $5
            ), recent AS (
                SELECT o.event_id, min(o.event_name) AS event_name, min(o.entity_key) AS entity_key, min(o.created_on) AS queued_on
                FROM delivery_outbox o JOIN mine m ON o.subscription_id = m.id
                WHERE o.service_id = $1 AND o.created_on > now() - interval '1 day' AND o.entity_key LIKE $2 || '/%'
                GROUP BY o.event_id ORDER BY min(o.created_on) DESC LIMIT $3
            )
            SELECT r.event_id, r.event_name, r.entity_key, r.queued_on, o.subscription_id, o.state, o.attempts
            FROM recent r JOIN delivery_outbox o ON o.service_id = $1 AND o.event_id = r.event_id
            JOIN mine m ON o.subscription_id = m.id
            ORDER BY r.queued_on DESC, r.event_id, o.subscription_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = resource.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        command.Parameters.Add(new NpgsqlParameter { Value = tenant });
        command.Parameters.Add(new NpgsqlParameter { Value = resource });
        var events = new List<(string Id, string Name, string Entity, DateTimeOffset On, List<RecentDelivery> Deliveries)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetString(0);
            if (events.Count == 0 || events[^1].Id != id)
            {
                events.Add((id, reader.GetString(1), reader.GetString(2), new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero), []));
            }
            events[^1].Deliveries.Add(new RecentDelivery(reader.GetInt64(4), reader.GetString(5), reader.GetInt32(6)));
        }
        return [.. events.Select(e => new RecentEvent(e.Id, e.Name, e.Entity, e.On, [.. e.Deliveries]))];
    }

    private static DeliveryRecord Record(NpgsqlDataReader reader, string? body) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetInt32(5),
        reader.IsDBNull(6) ? null : new DateTimeOffset(reader.GetDateTime(6), TimeSpan.Zero),
        new DateTimeOffset(reader.GetDateTime(7), TimeSpan.Zero), body);

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

    public async Task<DeliveryLogPage> ReadLogAsync(long subscriptionId, DeliveryLogQuery query, CancellationToken cancellationToken = default)
    {
        const string Where = """
            service_id = $1 AND subscription_id = $2
              AND ($3::text IS NULL OR outcome = $3) AND ($4::timestamptz IS NULL OR created_on >= $4)
              AND ($5::timestamptz IS NULL OR created_on < $5) AND ($6::text IS NULL OR event_id = $6)
            """;
        void Bind(NpgsqlCommand command)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
            command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Outcome ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Since?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Until?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.EventId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        }
        long count;
        // Without filters, the subscription's whole log: the sum of its days' counts.
        var unfiltered = query is { Outcome: null, Since: null, Until: null, EventId: null };
        await using (var counting = dataSource.CreateCommand(unfiltered
            ? "SELECT coalesce(sum(n), 0)::bigint FROM delivery_log_count WHERE service_id = $1 AND subscription_id = $2"
            : $"SELECT count(*) FROM delivery_log WHERE {Where}"))
        {
            if (unfiltered)
            {
                counting.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
                counting.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
            }
            else
            {
                Bind(counting);
            }
            count = (long)(await counting.ExecuteScalarAsync(cancellationToken))!;
        }
        await using var command = dataSource.CreateCommand($"""
            SELECT id, subscription_id, delivery_id, event_id, event_name, entity_key, attempt, outcome, status_code, duration_ms,
                   error, response_excerpt, created_on, next_attempt_on, response_headers
            FROM delivery_log WHERE {Where}
            ORDER BY id DESC LIMIT {query.Limit} OFFSET {query.Offset}
            """);
        Bind(command);
        var entries = new List<DeliveryLogEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new DeliveryLogEntry(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetInt32(6), reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetInt32(8), reader.IsDBNull(9) ? null : reader.GetInt32(9),
                reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11),
                new DateTimeOffset(reader.GetDateTime(12), TimeSpan.Zero),
                reader.IsDBNull(13) ? null : new DateTimeOffset(reader.GetDateTime(13), TimeSpan.Zero))
            {
                ResponseHeaders = reader.IsDBNull(14) ? null : reader.GetString(14),
            });
        }
        return new DeliveryLogPage(count, [.. entries]);
    }

    /// <summary>Makes finished deliveries of a window pending again (attempts from zero); returns how many.</summary>
    public async Task<int> RequeueAsync(long subscriptionId, DateTimeOffset since, DateTimeOffset? until, bool onlyFailed,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE delivery_outbox SET state = {DeliverySql.Pending}, attempts = 0, next_attempt_on = NULL
            WHERE service_id = $1 AND subscription_id = $2 AND created_on >= $3 AND ($4::timestamptz IS NULL OR created_on < $4)
              AND state <> {DeliverySql.Pending} AND (NOT $5 OR state = {DeliverySql.Exhausted})
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
    public async Task<string?> RetryOneAsync(long subscriptionId, string eventId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH previous AS (
                SELECT state FROM delivery_outbox
                WHERE service_id = $1 AND subscription_id = $2 AND event_id = $3
                FOR UPDATE
            )
            UPDATE delivery_outbox o
            SET state = {DeliverySql.Pending}, next_attempt_on = NULL,
                attempts = CASE WHEN p.state = {DeliverySql.Pending} THEN o.attempts ELSE 0 END
            FROM previous p
            WHERE o.service_id = $1 AND o.subscription_id = $2 AND o.event_id = $3
            RETURNING p.state
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

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
