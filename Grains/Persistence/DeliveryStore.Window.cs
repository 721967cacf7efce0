using EventsSubscriptions.Grains.Delivery;

namespace EventsSubscriptions.Grains.Persistence;

// The sender's read of a subscription's next pending deliveries (its window).
public sealed partial class DeliveryStore
{
    /// <summary>What a held delivery takes beyond its body, in characters (ids, names, the object): counted against a read's budget.</summary>
    private const int FixedCharacters = 150;

    /// <summary>
    /// The next pending deliveries of a subscription after outbox position <see cref="WindowRead.AfterSeq"/>,
    /// in outbox order, as many as the read's count and characters allow (the first always), and
    /// every pending delivery further on that comes before one of them in its entity's order. Both
    /// reads go by index (the pending rows by position, and by entity): none reads the subscription's history.
    /// </summary>
    public async Task<WindowPage> ReadWindowAsync(long subscriptionId, WindowRead read, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH page AS (
                SELECT p.*, row_number() OVER (ORDER BY seq) AS n,
                       sum(p.chars + {FixedCharacters}) OVER (ORDER BY seq) - p.chars - {FixedCharacters} AS chars_before
                FROM (SELECT o.seq, o.event_id, o.event_name, o.entity_key, o.entity_seq, o.attempts, o.next_attempt_on, o.trace_parent,
                             {StoredBodies.Columns}, {StoredBodies.Length} AS chars
                      FROM delivery_outbox o
                      {StoredBodies.Join}
                      WHERE o.service_id = $1 AND o.subscription_id = $2 AND o.state = {DeliverySql.Pending} AND o.seq > $3
                      ORDER BY o.seq LIMIT $4 + 1) p
            ), taken AS (
                SELECT * FROM page WHERE n <= $4 AND (n = 1 OR chars_before < $5)
            ), more AS (
                SELECT (SELECT count(*) FROM page) > (SELECT count(*) FROM taken) AS more, (SELECT max(seq) FROM taken) AS last
            )
            SELECT t.seq, t.event_id, t.event_name, t.entity_key, t.entity_seq, t.attempts, t.next_attempt_on, m.more, m.last, t.trace_parent,
                   t.body, t.data, t.custom_id, t.language, t.occurred_on, t.action_body
            FROM taken t CROSS JOIN more m
            UNION ALL
            SELECT o.seq, o.event_id, o.event_name, o.entity_key, o.entity_seq, o.attempts, o.next_attempt_on, m.more, m.last, o.trace_parent,
                   o.body, o.data, o.custom_id, o.language, o.occurred_on, o.action_body
            FROM (SELECT entity_key, max(entity_seq) AS top FROM taken GROUP BY entity_key) h
            CROSS JOIN more m
            CROSS JOIN LATERAL (
                SELECT o.seq, o.event_id, o.event_name, o.entity_key, o.entity_seq, o.attempts, o.next_attempt_on, o.trace_parent,
                       {StoredBodies.Columns}
                FROM delivery_outbox o
                {StoredBodies.Join}
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
            var eventId = reader.GetString(1);
            var eventName = reader.GetString(2);
            deliveries.Add(new PendingDelivery
            {
                OutboxSeq = reader.GetInt64(0),
                EventId = eventId,
                EventName = eventName,
                EntityKey = reader.GetString(3),
                EntitySequence = reader.GetInt64(4),
                Attempts = reader.GetInt32(5),
                NextAttemptOn = reader.IsDBNull(6) ? null : new DateTimeOffset(reader.GetDateTime(6), TimeSpan.Zero),
                TraceParent = reader.IsDBNull(9) ? null : reader.GetString(9),
                Body = StoredBodies.Read(reader, 10, subscriptionId, eventId, eventName)
                       ?? throw new InvalidDataException($"the pending delivery of event {eventId} to subscription {subscriptionId} has no data"),
            });
            more = reader.GetBoolean(7);
            last = reader.GetInt64(8);
        }
        return new WindowPage(deliveries, last, more);
    }
}
