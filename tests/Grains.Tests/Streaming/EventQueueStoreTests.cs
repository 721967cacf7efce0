namespace EventsSubscriptions.Grains.Tests.Streaming;

/// <summary>The queue's SQL: claims, attempts, dead letters, take-overs and commits that wait for the disk; each test on a database of its own.</summary>
[Trait("Category", "Integration")]
public sealed class EventQueueStoreTests
{
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
        var store = EventQueueKit.Store(dataSource, service);
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
        var store = EventQueueKit.Store(dataSource, service);

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
        // the event: a delivery lost (bench/HISTORY.md, section 9). A trigger notes, inside each
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
            CREATE TRIGGER note AFTER INSERT ON delivery_body FOR EACH STATEMENT EXECUTE FUNCTION note_commit_mode();
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
        var store = EventQueueKit.Store(dataSource, service);
        var outbox = new OutboxWriter(dataSource, Options.Create(new ClusterOptions { ServiceId = service }),
            new DeliveryMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            NullLogger<OutboxWriter>.Instance);
        await outbox.StartAsync(CancellationToken.None);

        await CommitEventAsync();
        var claimed = Assert.Single(await store.ClaimAsync(5, 10, TimeSpan.FromSeconds(60)));
        await CommitEventAsync();
        var now = DateTimeOffset.UtcNow;
        var eventId = Guid.CreateVersion7(now).ToString();
        Assert.True(await outbox.AppendAsync(new OutboxRow(7, "employees/1", 1,
            new WebhookMeta(7, "hr", "en", "entity:employees:created", eventId, now), "{}", "entity", now)));
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
            "delivery_body INSERT on",
            "event_queue DELETE on",
        ], modes);
    }
}
