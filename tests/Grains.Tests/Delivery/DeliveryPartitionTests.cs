using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Persistence;
using EventsSubscriptions.Silo.Schema;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventsSubscriptions.Grains.Tests.Delivery;

/// <summary>
/// Deliveries and their shared data are kept in partitions by the week of their event (migration
/// 0030): retention drops a week whole, and never a pending delivery, which moves out of its week
/// with its own copy of its data; the upgrade from the previous version keeps every row.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DeliveryPartitionTests : IAsyncLifetime
{
    private const string Service = "days";
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private TestDatabase database = null!;
    private DeliveryStores? stores;
    private OutboxWriter outbox = null!;
    private DeliveryStore store = null!;

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync(migrate: false);

    public async Task DisposeAsync()
    {
        if (stores is not null)
        {
            await stores.DisposeAsync();
        }
        await database.DisposeAsync();
    }

    [Fact]
    public async Task A_week_of_deliveries_goes_whole_and_its_pending_delivery_stays_with_its_body()
    {
        await new SchemaMigrator(database.ConnectionString, NullLogger.Instance).MigrateAsync();
        await StartAsync();
        // The week of events 40 days ago (a clock that ran then made it), and the one of 10 days ago.
        var old = Now - TimeSpan.FromDays(40);
        Assert.Equal(2, await store.AddDeliveryPartitionsAsync(old, 0));
        Assert.Equal(2, await store.AddDeliveryPartitionsAsync(Now - TimeSpan.FromDays(10), 0));
        var oldEvent = Guid.CreateVersion7(old).ToString();
        var data = WebhookPayload.Data("""{"id":4,"name":"Ana"}""");
        // Two subscriptions share the event's data: one receiver has been down since (pending), one took it.
        var waiting = Row(1, oldEvent, data, old, actionBody: """{"reason":"late"}""");
        var sent = Row(2, oldEvent, data, old);
        var recent = Row(2, Guid.CreateVersion7(Now - TimeSpan.FromDays(10)).ToString(), data, Now - TimeSpan.FromDays(10));
        Assert.All(await Task.WhenAll(new[] { waiting, sent, recent }.Select(outbox.AppendAsync)), Assert.True);
        await database.ExecuteAsync("UPDATE delivery_outbox SET state = 'SUCCEEDED' WHERE subscription_id = 2");
        var oldDay = $"delivery_outbox_{WeekOf(old):yyyyMMdd}";
        Assert.Equal(oldDay, await database.ScalarAsync<string>($"SELECT tableoid::regclass::text FROM delivery_outbox WHERE subscription_id = 1"));
        var seq = await database.ScalarAsync<long>("SELECT seq FROM delivery_outbox WHERE subscription_id = 1");

        var run = await DeliveryLogRetention.RunAsync(store, Now, 30, CancellationToken.None);

        // The old week went whole, the finished delivery with it; the recent week is there.
        Assert.Equal("gone", await database.ScalarAsync<string>($"SELECT coalesce(to_regclass('{oldDay}')::text, 'gone')"));
        Assert.Equal(1, run.Copied);
        Assert.Equal([(1L, "PENDING"), (2L, "SUCCEEDED")], await RowsAsync());
        // The waiting delivery kept its place in its subscription's order and its body, whole, after
        // its event's shared data went too.
        Assert.Equal("delivery_outbox_default", await database.ScalarAsync<string>("SELECT tableoid::regclass::text FROM delivery_outbox WHERE subscription_id = 1"));
        Assert.Equal(0, await database.ScalarAsync<long>($"SELECT count(*) FROM delivery_body WHERE event_id = '{oldEvent}'"));
        var window = await store.ReadWindowAsync(1, new WindowRead(0, 10, 100_000));
        var delivery = Assert.Single(window.Deliveries);
        Assert.Equal((seq, waiting.Body()), (delivery.OutboxSeq, delivery.Body));
        // The event routed again is not queued twice, and the delivery settles where it is now (its
        // attempt recorded as the sender records it, the batch naming its range of ids).
        Assert.False(await outbox.AppendAsync(waiting));
        await store.RecordAsync(new AttemptRecord
        {
            SubscriptionId = 1, DeliveryId = $"1-{oldEvent}", EventId = oldEvent, EventName = waiting.EventName, EntityKey = waiting.EntityKey,
            Attempt = 1, Outcome = LogOutcome.Succeeded, StatusCode = 200, CreatedOn = Now, State = DeliveryState.Succeeded,
        });
        Assert.Equal([(1L, "SUCCEEDED"), (2L, "SUCCEEDED")], await RowsAsync());
        // Once finished, it goes with the next run like any delivery past the retention.
        await DeliveryLogRetention.RunAsync(store, Now, 30, CancellationToken.None);
        Assert.Equal([(2L, "SUCCEEDED")], await RowsAsync());
    }

    [Fact]
    public async Task Deliveries_made_by_the_previous_version_are_kept_and_age_out_with_the_upgrade_week()
    {
        var previous = new SchemaMigrator(database.ConnectionString, NullLogger.Instance) { Migrations = [.. Migration.Embedded.Where(m => m.Version <= 29)] };
        await previous.MigrateAsync();
        var old = Guid.CreateVersion7(Now - TimeSpan.FromDays(40)).ToString();
        var today = Guid.CreateVersion7(Now).ToString();
        // A delivery pending for 40 days (with shared data), a finished one of today, and an id of another form.
        await database.ExecuteAsync($"""
            INSERT INTO delivery_body (service_id, event_id, shape, data) VALUES ('{Service}', '{old}', 'entity', '{"{"}"id":1{"}"}');
            INSERT INTO delivery_outbox (service_id, subscription_id, event_id, entity_key, entity_seq, event_name, state, created_on,
                                         occurred_on, custom_id, language, body_shape)
            VALUES ('{Service}', 1, '{old}', 'employees/1', 1, 'entity:employees:updated', 'PENDING', now() - interval '40 days',
                    now() - interval '40 days', 'hr', 'en', 'entity'),
                   ('{Service}', 2, '{today}', 'employees/2', 1, 'entity:employees:updated', 'SUCCEEDED', now(), now(), 'hr', 'en', 'entity');
            INSERT INTO delivery_outbox (service_id, subscription_id, event_id, entity_key, entity_seq, event_name, body, state, created_on)
            VALUES ('{Service}', 3, 'other-form', 'employees/3', 1, 'entity:employees:updated', '{"{}"}', 'PENDING', now());
            """);
        var lastSeq = await database.ScalarAsync<long>("SELECT max(seq) FROM delivery_outbox");

        Assert.Contains(30, await new SchemaMigrator(database.ConnectionString, NullLogger.Instance).MigrateAsync());
        await StartAsync();

        // Every row is there: the upgraded table holds the v7 ids up to this week's end, the other form moved out.
        Assert.Equal(["delivery_outbox_upgraded", "delivery_outbox_upgraded", "delivery_outbox_default"],
            await database.ColumnAsync("SELECT tableoid::regclass::text FROM delivery_outbox ORDER BY subscription_id"));
        var body = Assert.Single((await store.ReadWindowAsync(1, new WindowRead(0, 10, 100_000))).Deliveries).Body;
        Assert.Contains($"\"eventId\":\"{old}\"", body);
        Assert.EndsWith("\"data\":{\"id\":1}}", body);
        // New deliveries go on from the previous positions, into their week (next week's, made here).
        await store.AddDeliveryPartitionsAsync(Now + TimeSpan.FromDays(7), 0);
        var next = Row(4, Guid.CreateVersion7(Now + TimeSpan.FromDays(7)).ToString(), WebhookPayload.Data("{}"), Now);
        Assert.True(await outbox.AppendAsync(next));
        Assert.True(await database.ScalarAsync<long>("SELECT seq FROM delivery_outbox WHERE subscription_id = 4") > lastSeq);
        Assert.Equal($"delivery_outbox_{WeekOf(Now.AddDays(7)):yyyyMMdd}",
            await database.ScalarAsync<string>("SELECT tableoid::regclass::text FROM delivery_outbox WHERE subscription_id = 4"));

        // Past the retention of the upgrade week, the upgraded rows go as one table; the pending ones stay, with their data.
        await DeliveryLogRetention.RunAsync(store, Now + TimeSpan.FromDays(38), 30, CancellationToken.None);
        Assert.Equal("gone", await database.ScalarAsync<string>("SELECT coalesce(to_regclass('delivery_outbox_upgraded')::text, 'gone')"));
        Assert.Equal([(1L, "PENDING"), (3L, "PENDING"), (4L, "PENDING")], await RowsAsync());
        Assert.Equal(body, Assert.Single((await store.ReadWindowAsync(1, new WindowRead(0, 10, 100_000))).Deliveries).Body);
    }

    private async Task StartAsync()
    {
        stores = await DeliveryStores.StartAsync(database, Service);
        (outbox, store) = (stores.Outbox, stores.Store);
    }

    /// <summary>The Monday (UTC) of the week of <paramref name="at"/>: the first day of its partition.</summary>
    private static DateTime WeekOf(DateTimeOffset at) => at.UtcDateTime.Date.AddDays(-(((int)at.UtcDateTime.DayOfWeek + 6) % 7));

    private static OutboxRow Row(long subscription, string eventId, string data, DateTimeOffset at, string? actionBody = null) =>
        new(subscription, "employees/4", 1, new WebhookMeta(subscription, "hr", "en", "entity:employees:updated", eventId, at, actionBody), data,
            "entity", at);

    private Task<List<(long, string)>> RowsAsync() =>
        database.RowsAsync("SELECT subscription_id, state FROM delivery_outbox ORDER BY subscription_id, event_id",
            reader => (reader.GetInt64(0), reader.GetString(1)));
}
