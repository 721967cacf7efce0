using Orleans.Streams;

namespace EventsSubscriptions.Grains.Tests.Streaming;

/// <summary>The queue's receiver as the pulling agent drives it: tokens, confirmations, and reads that yield to a burst of entity changes.</summary>
[Trait("Category", "Integration")]
public sealed class EventQueueReceiverTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_receiver_hands_messages_to_its_agent_with_growing_tokens_whatever_their_ids()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
        var silo = await cluster.StartSiloAsync();
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        // A service of its own: the silo's pulling agents do not read these queues.
        const string service = "tokens";
        var options = new StreamSettings { Queues = 8, FallbackPollMilliseconds = 50 };
        var events = new EventQueue("tokens", options, EventQueueKit.Store(dataSource, service), silo.Services.GetRequiredService<Orleans.Serialization.Serializer<EventQueueBatch>>());
        var signal = EventQueueKit.Signal(database, service, options);
        var receiver = EventQueueKit.Receiver(3, events, signal);
        var stream = StreamId.Create(ProbeProducerGrain.Namespace, "tokens");
        async Task InsertAsync(long id, int sequence)
        {
            await using var insert = dataSource.CreateCommand(
                "INSERT INTO event_queue (service_id, queue, id, visible_on, created_on, payload) VALUES ($1, 3, $2, clock_timestamp(), clock_timestamp(), $3)");
            insert.Parameters.Add(new NpgsqlParameter { Value = service });
            insert.Parameters.Add(new NpgsqlParameter { Value = id });
            insert.Parameters.Add(new NpgsqlParameter { Value = events.Pack(stream, [new ProbeMessage("tokens", sequence, "", false)], null) });
            await insert.ExecuteNonQueryAsync();
        }
        async Task<List<EventQueueBatch>> ReadAsync()
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < 100; i++)
            {
                if ((await receiver.GetQueueMessagesAsync(10)).Cast<EventQueueBatch>().ToList() is { Count: > 0 } read)
                {
                    return read;
                }
            }
            throw new Xunit.Sdk.XunitException($"nothing was read in {watch.ElapsedMilliseconds} ms; the queue holds " + await database.ScalarAsync<string>(
                $"SELECT string_agg(id || ' receipt ' || receipt || ' claimed ' || claimed || ' visible in ' || (visible_on - clock_timestamp()), '; ') FROM event_queue WHERE service_id = '{service}'"));
        }

        // A higher id read first, then a lower one committed later.
        await InsertAsync(20, 1);
        var first = Assert.Single(await ReadAsync());
        await InsertAsync(10, 2);
        var second = Assert.Single(await ReadAsync());
        Assert.Equal((20L, 10L), (first.MessageId, second.MessageId));
        Assert.True(second.Token!.CompareTo(first.Token) > 0, $"token {second.Token} of the later read is not newer than {first.Token}");

        // A failed delivery hands back what was handed to the agent from the failed message on,
        // which is read again with newer tokens; confirmations delete by id and receipt.
        await InsertAsync(5, 3);
        var third = Assert.Single(await ReadAsync());
        var handedBack = receiver.TakeFrom(second.Token!.SequenceNumber);
        Assert.Equal([5L, 10L], handedBack.Select(m => m.Id).Order());
        Assert.Equal(2, await events.Store.ReleaseAsync(3, handedBack));
        var again = await ReadAsync();
        Assert.Equal([5L, 10L], again.Select(b => b.MessageId));
        Assert.All(again, b => Assert.True(b.Token!.CompareTo(third.Token) > 0));
        await receiver.MessagesDeliveredAsync([first, .. again]);
        Assert.Equal(0L, await database.ScalarAsync<long>($"SELECT count(*) FROM event_queue WHERE service_id = '{service}'"));
        await receiver.Shutdown(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_confirmation_that_failed_is_made_once_the_database_answers_again_not_left_to_the_visibility_timeout()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
        var silo = await cluster.StartSiloAsync();
        const string service = "confirms";
        // Each command opens its own connection (no pool), and opening fails while the database is "down".
        var down = false;
        var builder = new NpgsqlDataSourceBuilder(database.ConnectionString + ";Pooling=false");
        builder.UsePhysicalConnectionInitializer(
            _ => { if (down) { throw new NpgsqlException("the database is down (test)"); } },
            _ => down ? Task.FromException(new NpgsqlException("the database is down (test)")) : Task.CompletedTask);
        await using var dataSource = builder.Build();
        var options = new StreamSettings { Queues = 8, FallbackPollMilliseconds = 50, VisibilityTimeoutSeconds = 600 };
        var events = new EventQueue(service, options, EventQueueKit.Store(dataSource, service), silo.Services.GetRequiredService<Orleans.Serialization.Serializer<EventQueueBatch>>());
        var signal = EventQueueKit.Signal(database, service, options);
        var receiver = EventQueueKit.Receiver(3, events, signal);
        await using (var insert = dataSource.CreateCommand(
            "INSERT INTO event_queue (service_id, queue, visible_on, created_on, payload) VALUES ($1, 3, clock_timestamp(), clock_timestamp(), $2)"))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = service });
            insert.Parameters.Add(new NpgsqlParameter { Value = events.Pack(StreamId.Create(ProbeProducerGrain.Namespace, "confirms"), [new ProbeMessage("confirms", 1, "", false)], null) });
            await insert.ExecuteNonQueryAsync();
        }
        IList<IBatchContainer> read = [];
        for (var i = 0; i < 100 && read.Count == 0; i++)
        {
            read = await receiver.GetQueueMessagesAsync(10);
        }
        Assert.Single(read);

        down = true;
        await receiver.MessagesDeliveredAsync(read);
        down = false;
        Assert.Equal(1L, await database.ScalarAsync<long>($"SELECT count(*) FROM event_queue WHERE service_id = '{service}'"));

        // The next read confirms it first, long before its claim (10 minutes) would run out.
        Assert.Empty(await receiver.GetQueueMessagesAsync(10));
        Assert.Equal(0L, await database.ScalarAsync<long>($"SELECT count(*) FROM event_queue WHERE service_id = '{service}'"));
        await receiver.Shutdown(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_read_for_routing_waits_while_entity_changes_queue_for_their_commit_and_a_burst_that_does_not_end_holds_routing_back_half_the_time_at_most()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
        var silo = await cluster.StartSiloAsync();
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        const string service = "bursts";
        var store = EventQueueKit.Store(dataSource, service);
        await store.StartAsync(CancellationToken.None);
        var serializer = silo.Services.GetRequiredService<Orleans.Serialization.Serializer<EventQueueBatch>>();
        var yielding = new StreamSettings { Queues = 8, FallbackPollMilliseconds = 50, RoutingYieldBatch = 4, RoutingYieldMaxMilliseconds = 30000 };
        var events = new EventQueue(service, yielding, store, serializer);
        var signal = EventQueueKit.Signal(database, service, yielding);
        var receiver = EventQueueKit.Receiver(3, events, signal);
        // The same store and queue table, read by a receiver with the wait turned off.
        var eager = EventQueueKit.Receiver(4, new EventQueue(service, new StreamSettings { Queues = 8, FallbackPollMilliseconds = 50, RoutingYieldBatch = 0 }, store, serializer), signal);
        var stream = StreamId.Create(ProbeProducerGrain.Namespace, "bursts");
        var entity = 0L;
        Task<bool> Change() => store.AppendAsync(new EventQueueItem("employees", ++entity, 1, "{}", 5,
            events.Pack(stream, [new ProbeMessage("bursts", (int)entity, "", false)], null), Guid.NewGuid().ToString()));

        // Commits held back (the entity table locked by another transaction) while changes queue.
        async Task<NpgsqlTransaction> HoldCommitsAsync(NpgsqlConnection connection)
        {
            var transaction = await connection.BeginTransactionAsync();
            await using var lockTable = new NpgsqlCommand("LOCK TABLE entity_state IN SHARE MODE", connection, transaction);
            await lockTable.ExecuteNonQueryAsync();
            return transaction;
        }
        await using var holder = await dataSource.OpenConnectionAsync();

        // A burst: commits of 30 changes each, and one more change waiting for a slow commit.
        async Task<(NpgsqlTransaction Held, Task<bool> Slow)> BurstAsync()
        {
            for (var round = 0; round < 3; round++)
            {
                var hold = await HoldCommitsAsync(holder);
                var first = Change();
                await Eventually.HoldsAsync(async () => await database.ScalarAsync<long>(
                        "SELECT count(*) FROM pg_locks WHERE relation = 'entity_state'::regclass AND NOT granted") > 0, Patience, "the first change's commit did not wait for the lock");
                var queued = Enumerable.Range(0, 30).Select(_ => Change()).ToList();
                await hold.CommitAsync();
                Assert.True(await first);
                Assert.All(await Task.WhenAll(queued), Assert.True);
            }
            return (await HoldCommitsAsync(holder), Change());
        }
        async Task InsertAsync(int queue, int sequence)
        {
            await using var insert = dataSource.CreateCommand(
                "INSERT INTO event_queue (service_id, queue, visible_on, created_on, payload) VALUES ($1, $2, clock_timestamp(), clock_timestamp(), $3)");
            insert.Parameters.Add(new NpgsqlParameter { Value = service });
            insert.Parameters.Add(new NpgsqlParameter { Value = queue });
            insert.Parameters.Add(new NpgsqlParameter { Value = events.Pack(stream, [new ProbeMessage("bursts", sequence, "", false)], null) });
            await insert.ExecuteNonQueryAsync();
        }
        static IEnumerable<int> Sequences(IList<IBatchContainer> read) =>
            read.Cast<EventQueueBatch>().SelectMany(b => b.GetEvents<ProbeMessage>()).Select(e => e.Item1.Sequence);

        var (held, slow) = await BurstAsync();
        await InsertAsync(3, 1003);
        await InsertAsync(4, 1004);

        // The read turned off for the wait reads at once; the one that yields waits for the burst.
        var waiting = receiver.GetQueueMessagesAsync(10);
        Assert.Single(await eager.GetQueueMessagesAsync(10));
        // The wait itself is what is tested: no later event can witness a read that has not happened.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted, "the read claimed its queue during a burst of entity changes");

        // The burst ends (the last change is committed): the read goes ahead and claims the message.
        await held.CommitAsync();
        Assert.True(await slow);
        Assert.Equal([1003], Sequences(await waiting.WaitAsync(Patience)));

        // A burst that does not end: a read waits its longest, then claims; the reads after it
        // route freely for as long, so that routing goes on half the time at least. The longest wait
        // is 5 s, so that a read that does not wait stays well under it on a loaded machine.
        var longest = TimeSpan.FromSeconds(5);
        var bounded = EventQueueKit.Receiver(6, new EventQueue(service, new StreamSettings { Queues = 8, FallbackPollMilliseconds = 50, RoutingYieldBatch = 4, RoutingYieldMaxMilliseconds = (int)longest.TotalMilliseconds }, store, serializer), signal);
        (held, slow) = await BurstAsync();
        await InsertAsync(6, 1006);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal([1006], Sequences(await bounded.GetQueueMessagesAsync(10).WaitAsync(Patience)));
        Assert.True(watch.Elapsed >= longest - TimeSpan.FromMilliseconds(20), $"the read claimed after {watch.Elapsed} of an endless burst, before its longest wait");
        await InsertAsync(6, 1007);
        watch.Restart();
        IList<IBatchContainer> next = [];
        while (next.Count == 0 && watch.Elapsed < Patience)
        {
            next = await bounded.GetQueueMessagesAsync(10);
        }
        Assert.Equal([1007], Sequences(next));
        Assert.True(watch.Elapsed < longest, $"the read after a longest wait waited again ({watch.Elapsed})");
        await held.CommitAsync();
        Assert.True(await slow);
        await bounded.Shutdown(TimeSpan.FromSeconds(5));
        await receiver.Shutdown(TimeSpan.FromSeconds(5));
        await eager.Shutdown(TimeSpan.FromSeconds(5));
        await store.StopAsync(CancellationToken.None);
    }
}
