using EventsSubscriptions.Grains.Entities;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Tests.Infrastructure;
using EventsSubscriptions.Grains.Tests.Probes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Persistence;
using EventsSubscriptions.Grains.Streaming;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Providers;
using Orleans.Storage;
using Orleans.Streams;

namespace EventsSubscriptions.Grains.Tests.Streaming;

/// <summary>The entity-event stream's own queue on PostgreSQL, each test on a cluster and database of its own.</summary>
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
        await Eventually.HoldsAsync(() => Received(key).Count >= 1, Patience, "the first event did not arrive");
        for (var i = 2; i <= 3; i++)
        {
            await Task.Delay(1500);
            await producer.PublishAsync(new ProbeMessage(key, i, $"after an idle pause {i}", false));
            await Eventually.HoldsAsync(() => Received(key).Count >= i, Patience,
                $"event {i}, published to an idle queue, was not read: no notification woke its pull");
        }
        Assert.Equal([1, 2, 3], Received(key).Select(m => m.Sequence));
    }

    [Fact]
    public async Task A_change_is_stored_with_its_event_in_one_commit_and_a_stale_writer_changes_nothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
        await cluster.StartSiloAsync();
        await cluster.StartClientAsync();
        var entity = cluster.Client.GetGrain<IEntityGrain>("employees/41");
        Assert.Equal(EntityOutcome.Ok, (await entity.PutAsync("""{"id": 41, "name": "Ann"}""")).Outcome);
        Assert.Equal(EntityOutcome.Ok, (await entity.PutAsync("""{"id": 41, "name": "Bob"}""")).Outcome);

        Assert.Equal(2L, await database.ScalarAsync<long>(
            $"SELECT sequence FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 41"));
        Assert.Contains("Bob", await database.ScalarAsync<string>(
            $"SELECT snapshot FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 41"));

        // A second writer of the entity that missed the last change (sequence 2 again) is refused:
        // neither its state nor its event is stored.
        var queuedBefore = await database.ScalarAsync<long>("SELECT last_value FROM event_queue_id");
        var written = await database.ScalarAsync<long>($$"""
            SELECT count(*) FROM event_queue_commit('{{cluster.ServiceId}}', ARRAY['employees'], ARRAY[41::bigint], ARRAY[2::bigint],
                ARRAY['{"id": 41, "name": "Stale"}'], ARRAY[0], ARRAY['\x00'::bytea])
            """);
        Assert.Equal(0, written);
        Assert.Equal(queuedBefore, await database.ScalarAsync<long>("SELECT last_value FROM event_queue_id"));
        Assert.Contains("Bob", await database.ScalarAsync<string>(
            $"SELECT snapshot FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 41"));
        Assert.Contains("Bob", await entity.GetAsync());
    }

    [Fact]
    public async Task A_put_that_changes_nothing_fires_nothing_and_names_the_event_that_made_the_entity_so_even_after_reactivation()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
        await cluster.StartSiloAsync();
        await cluster.StartClientAsync();
        var entity = cluster.Client.GetGrain<IEntityGrain>("employees/950");
        var changed = await entity.PutAsync("""{"id": 950, "name": "Ann"}""");
        Assert.NotNull(changed.EventId);
        Task<long> SequenceAsync() => database.ScalarAsync<long>(
            $"SELECT sequence FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 950");

        // The same body again (a PUT repeated after its answer was lost): no event, the first one named.
        Assert.Equal(changed.EventId, (await entity.PutAsync("""{"id": 950, "name": "Ann"}""")).EventId);
        Assert.Equal(changed.EventId, await database.ScalarAsync<string>(
            $"SELECT event_id FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 950"));

        // Also from a new activation, which reads it with the entity's row.
        await cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(changed.EventId, (await entity.PutAsync("""{"id": 950, "name": "Ann"}""")).EventId);
        Assert.Equal(1L, await SequenceAsync());

        var next = await entity.PutAsync("""{"id": 950, "name": "Bob"}""");
        Assert.NotNull(next.EventId);
        Assert.NotEqual(changed.EventId, next.EventId);
        Assert.Equal(2L, await SequenceAsync());

        // A silo of the previous version (the commit without ids) leaves no stale id behind.
        await database.ScalarAsync<long>($$"""
            SELECT count(*) FROM event_queue_commit('{{cluster.ServiceId}}', ARRAY['employees'], ARRAY[950::bigint], ARRAY[3::bigint],
                ARRAY['{"id": 950, "name": "Old"}'], ARRAY[0], ARRAY['\x00'::bytea])
            """);
        Assert.Equal(3L, await SequenceAsync());
        Assert.Equal("none", await database.ScalarAsync<string>(
            $"SELECT coalesce(event_id, 'none') FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 950"));
    }

    [Fact]
    public async Task A_create_reads_nothing_first_yet_never_writes_over_an_entity_that_is_stored()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
        await cluster.StartSiloAsync();
        await cluster.StartClientAsync();
        // Stored without its grain ever being active here.
        await database.ScalarAsync<long>($$"""
            SELECT count(*) FROM event_queue_commit('{{cluster.ServiceId}}', ARRAY['employees'], ARRAY[900::bigint], ARRAY[1::bigint],
                ARRAY['{"id": 900, "name": "Stored"}'], ARRAY[0], ARRAY['\x00'::bytea])
            """);
        var queued = await database.ScalarAsync<long>($"SELECT count(*) FROM event_queue WHERE service_id = '{cluster.ServiceId}'");

        var entity = cluster.Client.GetGrain<IEntityGrain>("employees/900");
        Assert.Equal(EntityOutcome.Exists, (await entity.CreateAsync("""{"name": "Created"}""")).Outcome);
        Assert.Contains("Stored", await entity.GetAsync());
        Assert.Contains("Stored", await database.ScalarAsync<string>(
            $"SELECT snapshot FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 900"));
        Assert.Equal(queued, await database.ScalarAsync<long>($"SELECT count(*) FROM event_queue WHERE service_id = '{cluster.ServiceId}'"));

        // A fresh id is created with one commit and no read.
        var fresh = cluster.Client.GetGrain<IEntityGrain>("employees/901");
        Assert.Equal(EntityOutcome.Ok, (await fresh.CreateAsync("""{"name": "New"}""")).Outcome);
        Assert.Equal(EntityOutcome.Exists, (await fresh.CreateAsync("""{"name": "Again"}""")).Outcome);
        Assert.Equal(1L, await database.ScalarAsync<long>(
            $"SELECT sequence FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 901"));
    }

    [Fact]
    public async Task An_entity_saved_by_an_earlier_version_keeps_its_state_and_its_unpublished_event_is_queued()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
        var silo = await cluster.StartSiloAsync();
        await cluster.StartClientAsync();
        var entity = cluster.Client.GetGrain<IEntityGrain>("employees/77");
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        // Another entity of the earlier version, with nothing left to publish.
        var quiet = cluster.Client.GetGrain<IEntityGrain>("employees/78");
        var quietLegacy = new GrainState<EntityState>(new EntityState { Snapshot = """{"id":78,"name":"Quiet"}""", Sequence = 5 });
        await storage.WriteStateAsync("entity", quiet.GetGrainId(), quietLegacy);
        var legacy = new GrainState<EntityState>(new EntityState
        {
            Snapshot = """{"id":77,"name":"Old"}""",
            Sequence = 3,
            Unpublished = [new EntityEvent(Guid.CreateVersion7().ToString(), "employees", "updated", 77, [], """{"id":77,"name":"Old"}""",
                DateTimeOffset.UtcNow, null, 3)],
        });
        await storage.WriteStateAsync("entity", entity.GetGrainId(), legacy);

        Assert.Contains("Old", await entity.GetAsync());
        Assert.Equal(3L, await database.ScalarAsync<long>(
            $"SELECT sequence FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 77"));
        var reread = new GrainState<EntityState>(new EntityState());
        await storage.ReadStateAsync("entity", entity.GetGrainId(), reread);
        Assert.False(reread.RecordExists, "the earlier version's state was left behind");

        // The next change follows the adopted sequence.
        await entity.PutAsync("""{"id": 77, "name": "New"}""");
        Assert.Equal(4, (await entity.GetState()).Sequence);

        // Without pending events, the old state is read until the first change, which writes the
        // entity's own row and removes the old one.
        Assert.Contains("Quiet", await quiet.GetAsync());
        await quiet.PutAsync("""{"id": 78, "name": "Moved"}""");
        Assert.Equal(6L, await database.ScalarAsync<long>(
            $"SELECT sequence FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 78"));
        var quietReread = new GrainState<EntityState>(new EntityState());
        await storage.ReadStateAsync("entity", quiet.GetGrainId(), quietReread);
        Assert.False(quietReread.RecordExists, "the earlier version's state outlived the entity's first change");
    }

    [Fact]
    public async Task Failed_deliveries_spend_no_attempt_only_claims_that_expire_do_and_spent_messages_go_to_the_dead_letters()
    {
        await using var database = await TestDatabase.CreateAsync();
        const string service = "attempts";
        await database.ScalarAsync<long>($"""
            SELECT count(*) FROM event_queue_commit('{service}', ARRAY[NULL]::text[], ARRAY[0::bigint], ARRAY[0::bigint],
                ARRAY[NULL]::text[], ARRAY[5], ARRAY['\x01'::bytea])
            """);

        // Thirty outage rounds: claimed, its delivery failed, handed back.
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var store = Store(dataSource, service);
        for (var round = 0; round < 30; round++)
        {
            var claimed = Assert.Single(await store.ClaimAsync(5, 10, TimeSpan.FromSeconds(60)));
            Assert.Equal(1, await store.ReleaseAsync(5, [(claimed.Id, claimed.Receipt)]));
        }
        Assert.Equal(0, await database.ScalarAsync<int>($"SELECT attempts FROM event_queue WHERE service_id = '{service}'"));

        // Claims that expire (visibility of 0 s: as if the silo holding it died) each spend one.
        await database.ScalarAsync<long>($"SELECT count(*) FROM event_queue_claim('{service}', 5, 10, 0)");
        await database.ScalarAsync<long>($"SELECT count(*) FROM event_queue_claim('{service}', 5, 10, 0)");
        var attempts = await database.ScalarAsync<int>($"SELECT attempts FROM event_queue_claim('{service}', 5, 10, 60)");
        Assert.Equal(2, attempts);

        // A confirmation or burial naming an older claim changes nothing; the latest one buries.
        var receipt = await database.ScalarAsync<int>($"SELECT receipt FROM event_queue WHERE service_id = '{service}'");
        Assert.Equal(0, await database.ScalarAsync<int>($"SELECT event_queue_confirm('{service}', 5, ARRAY[1::bigint], ARRAY[{receipt - 1}])"));
        Assert.Equal(0, await database.ScalarAsync<int>($"SELECT event_queue_bury('{service}', 5, ARRAY[1::bigint], ARRAY[{receipt - 1}])"));
        Assert.Equal(1, await database.ScalarAsync<int>($"SELECT event_queue_bury('{service}', 5, ARRAY[1::bigint], ARRAY[{receipt}])"));
        Assert.Equal(0L, await database.ScalarAsync<long>($"SELECT count(*) FROM event_queue WHERE service_id = '{service}'"));
        Assert.Equal(2, await database.ScalarAsync<int>($"SELECT attempts FROM event_queue_dead_letter WHERE service_id = '{service}'"));
    }

    [Fact]
    public async Task A_queue_taken_over_is_read_again_from_its_oldest_message_and_the_lost_claim_still_counts()
    {
        await using var database = await TestDatabase.CreateAsync();
        const string service = "takeover";
        await database.ScalarAsync<long>($"""
            SELECT count(*) FROM event_queue_commit('{service}', ARRAY[NULL, NULL, NULL]::text[], ARRAY[0, 0, 0]::bigint[], ARRAY[0, 0, 0]::bigint[],
                ARRAY[NULL, NULL, NULL]::text[], ARRAY[3, 3, 3], ARRAY['\x01', '\x02', '\x03']::bytea[])
            """);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var store = Store(dataSource, service);

        // The silo that owned queue 3 claimed the first two, then was lost holding them (for 60 s).
        var lost = await store.ClaimAsync(3, 2, TimeSpan.FromSeconds(60));
        Assert.Equal(2, lost.Count);
        // Left alone, the next owner would read the third first.
        Assert.Equal(2, await store.TakeOverAsync(3));

        var read = await store.ClaimAsync(3, 10, TimeSpan.FromSeconds(60));
        Assert.Equal([.. lost.Select(m => m.Id), read[^1].Id], read.Select(m => m.Id).ToArray());
        // The lost claim was an attempt (a message that kills its readers still ends buried); the
        // lost silo's confirmation, should it still come, deletes nothing.
        Assert.Equal([1, 1, 0], read.Select(m => m.Attempts).ToArray());
        Assert.Equal(0, await database.ScalarAsync<int>(
            $"SELECT event_queue_confirm('{service}', 3, ARRAY[{lost[0].Id}::bigint], ARRAY[{lost[0].Receipt}])"));
        // Another owner after this one takes the three claims made since; another queue has none.
        Assert.Equal(3, await store.TakeOverAsync(3));
        Assert.Equal(0, await store.TakeOverAsync(4));
    }

    [Fact]
    public async Task Every_write_of_the_event_path_waits_for_the_disk()
    {
        // A claim or an outbox row committed without waiting for the WAL flush can be forgotten by
        // a PostgreSQL crash while the confirm that follows, made after the restart, still deletes
        // the event: a delivery lost (bench/history.md, section 9). A trigger notes, inside each
        // writing transaction, whether its commit will wait for the WAL to reach the disk; every
        // write goes through one connection, so a setting that outlived its transaction would show.
        await using var database = await TestDatabase.CreateAsync();
        const string service = "flush";
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString + ";Maximum Pool Size=1");
        await using (var setup = dataSource.CreateCommand("""
            CREATE TABLE commit_modes (n serial, tbl text, op text, mode text);
            CREATE FUNCTION note_commit_mode() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO commit_modes (tbl, op, mode) VALUES (TG_TABLE_NAME, TG_OP, current_setting('synchronous_commit'));
                RETURN NULL;
            END $$;
            CREATE TRIGGER note AFTER INSERT OR UPDATE OR DELETE ON event_queue FOR EACH STATEMENT EXECUTE FUNCTION note_commit_mode();
            CREATE TRIGGER note AFTER INSERT ON delivery_outbox FOR EACH STATEMENT EXECUTE FUNCTION note_commit_mode();
            """))
        {
            await setup.ExecuteNonQueryAsync();
        }
        async Task CommitEventAsync()
        {
            await using var command = dataSource.CreateCommand($"""
                SELECT count(*) FROM event_queue_commit('{service}', ARRAY[NULL]::text[], ARRAY[0::bigint], ARRAY[0::bigint],
                    ARRAY[NULL]::text[], ARRAY[5], ARRAY['\x01'::bytea])
                """);
            await command.ExecuteScalarAsync();
        }
        var store = Store(dataSource, service);
        var outbox = new OutboxWriter(dataSource, Options.Create(new ClusterOptions { ServiceId = service }),
            new DeliveryMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            NullLogger<OutboxWriter>.Instance);
        await outbox.StartAsync(CancellationToken.None);

        await CommitEventAsync();
        var claimed = Assert.Single(await store.ClaimAsync(5, 10, TimeSpan.FromSeconds(60)));
        await CommitEventAsync();
        Assert.True(await outbox.AppendAsync(new OutboxRow(
            7, "event-1", "employees/1", 1, "employees.created", "{}", DateTimeOffset.UtcNow)));
        await store.ConfirmAsync(5, [(claimed.Id, claimed.Receipt)]);
        await outbox.StopAsync(CancellationToken.None);

        var modes = new List<string>();
        await using (var read = dataSource.CreateCommand("SELECT tbl || ' ' || op || ' ' || mode FROM commit_modes ORDER BY n"))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                modes.Add(reader.GetString(0));
            }
        }
        Assert.Equal([
            "event_queue INSERT on",
            "event_queue UPDATE on",
            "event_queue INSERT on",
            "delivery_outbox INSERT on",
            "event_queue DELETE on",
        ], modes);
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
        await Eventually.HoldsAsync(() => Received(key).Count >= 1, Patience, "the first event did not arrive");

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
        await Eventually.HoldsAsync(() => Received(key).Count >= 11, Patience, "the later events did not arrive");
        await Task.Delay(TimeSpan.FromSeconds(2));

        await transaction.CommitAsync();
        await using (var notify = new NpgsqlCommand($"SELECT pg_notify('es_event_queue', '{cluster.ServiceId}:{queue}')", connection))
        {
            await notify.ExecuteNonQueryAsync();
        }
        await producer.PublishAsync(new ProbeMessage(key, 13, "after", false));

        await Eventually.HoldsAsync(() => Received(key).Any(m => m.Sequence == 2) && Received(key).Any(m => m.Sequence == 13), Patience,
            $"the message committed late was not delivered (received: {string.Join(", ", Received(key).Select(m => m.Sequence))})");
        await Eventually.HoldsAsync(async () => await database.ScalarAsync<long>(
                $"SELECT count(*) FROM event_queue WHERE service_id = '{cluster.ServiceId}'") == 0, Patience,
            "delivered messages were not confirmed");
    }

    [Fact]
    public async Task A_receiver_hands_messages_to_its_agent_with_growing_tokens_whatever_their_ids()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
        var silo = await cluster.StartSiloAsync();
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        // A service of its own: the silo's pulling agents do not read these queues.
        const string service = "tokens";
        var options = new EventQueueOptions { Queues = 8, FallbackPoll = TimeSpan.FromMilliseconds(50) };
        var events = new EventQueue("tokens", options, Store(dataSource, service), silo.Services.GetRequiredService<Orleans.Serialization.Serializer<EventQueueBatch>>());
        var signal = Signal(database, service, options);
        var receiver = Receiver(3, events, signal);
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
        var options = new EventQueueOptions { Queues = 8, FallbackPoll = TimeSpan.FromMilliseconds(50), VisibilityTimeout = TimeSpan.FromMinutes(10) };
        var events = new EventQueue(service, options, Store(dataSource, service), silo.Services.GetRequiredService<Orleans.Serialization.Serializer<EventQueueBatch>>());
        var signal = Signal(database, service, options);
        var receiver = Receiver(3, events, signal);
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
        var store = Store(dataSource, service);
        await store.StartAsync(CancellationToken.None);
        var serializer = silo.Services.GetRequiredService<Orleans.Serialization.Serializer<EventQueueBatch>>();
        var yielding = new EventQueueOptions { Queues = 8, FallbackPoll = TimeSpan.FromMilliseconds(50), RoutingYieldAt = 4, RoutingYieldMax = TimeSpan.FromSeconds(30) };
        var events = new EventQueue(service, yielding, store, serializer);
        var signal = Signal(database, service, yielding);
        var receiver = Receiver(3, events, signal);
        // The same store and queue table, read by a receiver with the wait turned off.
        var eager = Receiver(4, new EventQueue(service, new EventQueueOptions { Queues = 8, FallbackPoll = TimeSpan.FromMilliseconds(50), RoutingYieldAt = 0 }, store, serializer), signal);
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
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted, "the read claimed its queue during a burst of entity changes");

        // The burst ends (the last change is committed): the read goes ahead and claims the message.
        await held.CommitAsync();
        Assert.True(await slow);
        Assert.Equal([1003], Sequences(await waiting.WaitAsync(Patience)));

        // A burst that does not end: a read waits its longest, then claims; the reads after it
        // route freely for as long, so that routing goes on half the time at least.
        var bounded = Receiver(6, new EventQueue(service, new EventQueueOptions { Queues = 8, FallbackPoll = TimeSpan.FromMilliseconds(50), RoutingYieldAt = 4, RoutingYieldMax = TimeSpan.FromSeconds(2) }, store, serializer), signal);
        (held, slow) = await BurstAsync();
        await InsertAsync(6, 1006);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal([1006], Sequences(await bounded.GetQueueMessagesAsync(10).WaitAsync(Patience)));
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(20), $"the read claimed after {watch.Elapsed} of an endless burst, before its longest wait");
        await InsertAsync(6, 1007);
        watch.Restart();
        IList<IBatchContainer> next = [];
        while (next.Count == 0 && watch.Elapsed < Patience)
        {
            next = await bounded.GetQueueMessagesAsync(10);
        }
        Assert.Equal([1007], Sequences(next));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the read after a longest wait waited again ({watch.Elapsed})");
        await held.CommitAsync();
        Assert.True(await slow);
        await bounded.Shutdown(TimeSpan.FromSeconds(5));
        await receiver.Shutdown(TimeSpan.FromSeconds(5));
        await eager.Shutdown(TimeSpan.FromSeconds(5));
        await store.StopAsync(CancellationToken.None);
    }

    private static EventQueueSignal Signal(TestDatabase database, string service, EventQueueOptions options) =>
        new(database.ConnectionString, Options.Create(new ClusterOptions { ServiceId = service }), options, NullLogger<EventQueueSignal>.Instance);

    private static EventQueueReceiver Receiver(int queue, EventQueue events, EventQueueSignal signal) =>
        new(queue, events, signal, TimeProvider.System, new OpenFence(), NullLogger<EventQueueReceiver>.Instance);

    /// <summary>A silo in contact with its cluster (these receivers run without one).</summary>
    private sealed class OpenFence : EventsSubscriptions.Grains.Hosting.ISiloFence
    {
        public bool IsOpen => true;
    }

    private static EventQueueStore Store(NpgsqlDataSource dataSource, string service) => new(dataSource,
        Options.Create(new ClusterOptions { ServiceId = service }),
        new DeliveryMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
        NullLogger<EventQueueStore>.Instance);

    private static List<ProbeMessage> Received(string key) =>
        ProbeConsumerGrain.Received.TryGetValue(key, out var queue) ? [.. queue] : [];
}
