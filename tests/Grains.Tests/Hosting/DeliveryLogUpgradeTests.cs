using EventsSubscriptions.Silo.Schema;

namespace EventsSubscriptions.Grains.Tests.Hosting;

/// <summary>
/// The upgrade to a delivery log partitioned by day (migration 0017), from a database the previous
/// version made and filled: nothing logged or pending is lost, ids go on, and retention then drops
/// whole days, the upgraded rows as one, never a pending delivery.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DeliveryLogUpgradeTests : IAsyncLifetime
{
    private TestDatabase database = null!;

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync(migrate: false);

    public async Task DisposeAsync() => await database.DisposeAsync();

    [Fact]
    public async Task A_log_and_an_outbox_made_by_the_previous_version_are_kept_whole_and_age_out_by_the_day()
    {
        var previous = new SchemaMigrator(database.ConnectionString, NullLogger.Instance) { Migrations = [.. Migration.Embedded.Where(m => m.Version <= 16)] };
        await previous.MigrateAsync();
        // What the previous version wrote: attempts of 40 days, 10 days and an hour ago; a delivery
        // still pending from 40 days ago (a suspended subscription), and a finished one.
        await database.ExecuteAsync("""
            INSERT INTO delivery_log (service_id, subscription_id, delivery_id, event_id, event_name, entity_key, attempt, outcome, created_on)
            SELECT 'svc', 7, '7-e' || d, 'e' || d, 'entity:employees:updated', 'employees/1', 1, 'FAILED', now() - make_interval(days => d)
            FROM unnest(ARRAY[40, 10, 0]) AS d;
            INSERT INTO delivery_outbox (service_id, subscription_id, event_id, entity_key, event_name, body, state, created_on, entity_seq)
            VALUES ('svc', 7, 'pending-40', 'employees/1', 'entity:employees:updated', '{}', 'PENDING', now() - interval '40 days', 1),
                   ('svc', 7, 'sent-40', 'employees/2', 'entity:employees:updated', '{}', 'SUCCEEDED', now() - interval '40 days', 1);
            """);
        var lastId = await database.ScalarAsync<long>("SELECT max(id) FROM delivery_log");

        Assert.Equal([17, 18], (await new SchemaMigrator(database.ConnectionString, NullLogger.Instance).MigrateAsync()).Where(v => v is >= 17 and <= 18));
        // The rows logged before are counted once, per day (what a page of the log counts without filters).
        Assert.Equal(3, await CountedAsync());

        // Everything is there, read as before (newest first, by id), and new rows take the next ids.
        Assert.Equal(["e0", "e10", "e40"], await database.ColumnAsync("SELECT event_id FROM delivery_log WHERE service_id = 'svc' AND subscription_id = 7 ORDER BY id DESC"));
        await database.ExecuteAsync("""
            INSERT INTO delivery_log (service_id, subscription_id, delivery_id, event_id, event_name, entity_key, attempt, outcome, created_on)
            VALUES ('svc', 7, '7-new', 'new', 'entity:employees:updated', 'employees/1', 1, 'SUCCEEDED', now() + interval '2 days');
            """);
        Assert.True(await database.ScalarAsync<long>("SELECT id FROM delivery_log WHERE event_id = 'new'") > lastId);
        Assert.Equal("delivery_log_upgraded", await database.ScalarAsync<string>("SELECT tableoid::regclass::text FROM delivery_log WHERE event_id = 'e40'"));

        // Retention today (30 days): the upgraded rows end with today, so they all stay for now.
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM delivery_log_partition WHERE ends_on <= now() - interval '30 days'"));
        await database.ExecuteAsync("SELECT delivery_log_drop_partitions(now() - interval '30 days')");
        Assert.Equal(4, await database.ScalarAsync<int>("SELECT count(*) FROM delivery_log"));
        // Until then, their expired rows go in bounded batches, as before the partitions.
        Assert.Equal(1, await database.ScalarAsync<int>("SELECT delivery_log_purge_upgraded(now() - interval '30 days', 1000)"));
        Assert.Equal(["new", "e0", "e10"], await database.ColumnAsync("SELECT event_id FROM delivery_log ORDER BY id DESC"));
        Assert.Equal(2, await CountedAsync());

        // 30 days after the upgrade day, the upgraded rows go as one partition; the later day stays.
        await database.ExecuteAsync("SELECT delivery_log_drop_partitions(date_trunc('day', now()) + interval '2 days')");
        Assert.Equal(["new"], await database.ColumnAsync("SELECT event_id FROM delivery_log"));
        // The dropped days' counts went with them (the row written here directly was never counted).
        Assert.Equal(0, await CountedAsync());
        Assert.Equal("gone", await database.ScalarAsync<string>("SELECT coalesce(to_regclass('delivery_log_upgraded')::text, 'gone')"));
        // The deliveries have days of their own (by their event): both are there, whatever the log's retention.
        Assert.Equal(["pending-40 PENDING", "sent-40 SUCCEEDED"], await database.ColumnAsync("SELECT event_id || ' ' || state FROM delivery_outbox ORDER BY event_id"));
    }

    [Fact]
    public async Task Partitions_are_made_ahead_from_the_service_clock_once_each_and_a_day_with_none_refuses_its_rows()
    {
        await new SchemaMigrator(database.ConnectionString, NullLogger.Instance).MigrateAsync();

        // The migration made today's (the upgraded partition) and the next three days'; made again, nothing changes.
        await database.ScalarAsync<int>("SELECT delivery_log_add_partitions(now(), 3)");
        Assert.Equal(0, await database.ScalarAsync<int>("SELECT delivery_log_add_partitions(now(), 3)"));
        // Whatever the session's zone (one with daylight saving included), days are UTC days, 24 hours each.
        await database.ExecuteAsync("SET TimeZone = 'Europe/Paris'; SELECT delivery_log_add_partitions(timestamptz '2027-03-27 12:00+00', 2)");
        Assert.Equal(0, await database.ScalarAsync<int>(
            "SELECT count(*) FROM delivery_log_partition WHERE starts_on IS NOT NULL AND ends_on - starts_on <> interval '24 hours'"));
        Assert.Equal(0, await database.ScalarAsync<int>(
            "SELECT count(*) FROM delivery_log_partition WHERE starts_on IS NOT NULL AND extract(hour FROM starts_on AT TIME ZONE 'UTC') <> 0"));
        // A clock 40 days on: its day and the next three.
        Assert.Equal(4, await database.ScalarAsync<int>("SELECT delivery_log_add_partitions(now() + interval '40 days', 3)"));
        await database.ExecuteAsync("""
            INSERT INTO delivery_log (service_id, subscription_id, delivery_id, event_id, event_name, entity_key, attempt, outcome, created_on)
            VALUES ('svc', 7, '7-x', 'x', 'entity:employees:updated', 'employees/1', 1, 'SUCCEEDED', now() + interval '41 days');
            """);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync("""
            INSERT INTO delivery_log (service_id, subscription_id, delivery_id, event_id, event_name, entity_key, attempt, outcome, created_on)
            VALUES ('svc', 7, '7-y', 'y', 'entity:employees:updated', 'employees/1', 1, 'SUCCEEDED', now() + interval '20 days');
            """));
        Assert.Equal(PostgresErrorCodes.CheckViolation, refused.SqlState);
    }

    private Task<long> CountedAsync() =>
        database.ScalarAsync<long>("SELECT coalesce(sum(n), 0) FROM delivery_log_count WHERE service_id = 'svc' AND subscription_id = 7");
}
