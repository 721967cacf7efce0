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
}
