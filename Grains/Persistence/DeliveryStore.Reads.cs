using NpgsqlTypes;

namespace EventsSubscriptions.Grains.Persistence;

// The reads for the API and operators: a subscription's deliveries, a resource's recent events, the delivery log.
public sealed partial class DeliveryStore
{
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
        await using var command = dataSource.CreateCommand($"""
            SELECT o.event_id, o.event_name, o.entity_key, o.entity_seq, o.state, o.attempts, o.next_attempt_on, o.created_on,
                   {StoredBodies.Columns}
            FROM delivery_outbox o
            {StoredBodies.Join}
            WHERE o.service_id = $1 AND o.subscription_id = $2 AND o.event_id = $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? Record(reader, StoredBodies.Read(reader, 8, subscriptionId, reader.GetString(0), reader.GetString(1)))
            : null;
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
            events[^1].Deliveries.Add(new RecentDelivery(reader.GetInt64(4), DeliveryStates.Read(reader.GetString(5)), reader.GetInt32(6)));
        }
        return [.. events.Select(e => new RecentEvent(e.Id, e.Name, e.Entity, e.On, [.. e.Deliveries]))];
    }

    private static DeliveryRecord Record(NpgsqlDataReader reader, string? body) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), DeliveryStates.Read(reader.GetString(4)), reader.GetInt32(5),
        reader.IsDBNull(6) ? null : new DateTimeOffset(reader.GetDateTime(6), TimeSpan.Zero),
        new DateTimeOffset(reader.GetDateTime(7), TimeSpan.Zero), body);

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
                reader.GetString(4), reader.GetString(5), reader.GetInt32(6), DeliveryStates.ReadOutcome(reader.GetString(7)),
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
}
