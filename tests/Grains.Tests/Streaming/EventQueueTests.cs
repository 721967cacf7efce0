namespace EventsSubscriptions.Grains.Tests.Streaming;

/// <summary>The entity-event stream's own queue on PostgreSQL as a silo reads it: woken by notifications, nothing skipped; each test on a cluster and database of its own.</summary>
[Trait("Category", "Integration")]
public sealed class EventQueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Notifications_wake_the_pull_so_events_arrive_although_idle_queues_are_polled_only_every_ten_minutes()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
        await cluster.StartSiloAsync(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Streams:FallbackPollMilliseconds"] = "600000",
        }));
        await cluster.StartClientAsync();
        var key = $"wake-{Guid.NewGuid():N}";
        var producer = cluster.Client.GetGrain<IProbeProducerGrain>(key);

        // The first reads after start have polled; later ones wait for a notification.
        await producer.PublishAsync(new ProbeMessage(key, 1, "first", false));
        await Eventually.HoldsAsync(() => EventQueueKit.Received(key).Count >= 1, Patience, "the first event did not arrive");
        for (var i = 2; i <= 3; i++)
        {
            // An idle pause is the point: the queue's pull must fall idle before the event comes.
            await Task.Delay(1500);
            await producer.PublishAsync(new ProbeMessage(key, i, $"after an idle pause {i}", false));
            await Eventually.HoldsAsync(() => EventQueueKit.Received(key).Count >= i, Patience,
                $"event {i}, published to an idle queue, was not read: no notification woke its pull");
        }
        Assert.Equal([1, 2, 3], EventQueueKit.Received(key).Select(m => m.Sequence));
    }

    [Fact]
    public async Task A_message_committed_after_later_ones_is_still_delivered()
    {
        // Two silos' commits take their ids from one sequence: a commit can hold a lower id than
        // one that became visible, and was read, before it. It must reach its consumer all the same.
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
        var silo = await cluster.StartSiloAsync();
        await cluster.StartClientAsync();
        var key = $"late-{Guid.NewGuid():N}";
        var producer = cluster.Client.GetGrain<IProbeProducerGrain>(key);
        await producer.PublishAsync(new ProbeMessage(key, 1, "first", false));
        await Eventually.HoldsAsync(() => EventQueueKit.Received(key).Count >= 1, Patience, "the first event did not arrive");

        var events = silo.Services.GetRequiredService<EventQueue>();
        var stream = StreamId.Create(ProbeProducerGrain.Namespace, key);
        var queue = events.QueueOf(stream);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO event_queue (service_id, queue, visible_on, created_on, payload) VALUES ($1, $2, clock_timestamp(), clock_timestamp(), $3)",
            connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = cluster.ServiceId });
            insert.Parameters.Add(new NpgsqlParameter { Value = queue });
            insert.Parameters.Add(new NpgsqlParameter { Value = events.Pack(stream, [new ProbeMessage(key, 2, "late", false)], null) });
            await insert.ExecuteNonQueryAsync();
        }

        // Later messages, with higher ids, are committed, read and delivered first.
        for (var i = 3; i <= 12; i++)
        {
            await producer.PublishAsync(new ProbeMessage(key, i, $"later {i}", false));
        }
        await Eventually.HoldsAsync(() => EventQueueKit.Received(key).Count >= 11, Patience, "the later events did not arrive");
        // The witness that the reader went past the gap: the later messages are confirmed (deleted);
        // the uncommitted one is not seen by this other connection.
        await Eventually.HoldsAsync(async () => await database.ScalarAsync<long>(
                $"SELECT count(*) FROM event_queue WHERE service_id = '{cluster.ServiceId}'") == 0, Patience,
            "the later messages were not confirmed before the late one was committed");

        await transaction.CommitAsync();
        await using (var notify = new NpgsqlCommand($"SELECT pg_notify('es_event_queue', '{cluster.ServiceId}:{queue}')", connection))
        {
            await notify.ExecuteNonQueryAsync();
        }
        await producer.PublishAsync(new ProbeMessage(key, 13, "after", false));

        await Eventually.HoldsAsync(() => EventQueueKit.Received(key).Any(m => m.Sequence == 2) && EventQueueKit.Received(key).Any(m => m.Sequence == 13), Patience,
            $"the message committed late was not delivered (received: {string.Join(", ", EventQueueKit.Received(key).Select(m => m.Sequence))})");
        await Eventually.HoldsAsync(async () => await database.ScalarAsync<long>(
                $"SELECT count(*) FROM event_queue WHERE service_id = '{cluster.ServiceId}'") == 0, Patience,
            "delivered messages were not confirmed");
    }
}
