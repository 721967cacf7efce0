using EventsSubscriptions.Grains.Persistence;

namespace EventsSubscriptions.Grains.Tests.Delivery;

/// <summary>
/// The deliveries of one event that shape it alike store its data once (<c>delivery_body</c>), each
/// with its own meta, and read back the very body that was built; retention gives the pending ones
/// their own copy before the shared one goes, and a replay never requeues a delivery without data.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SharedDataTests : IAsyncLifetime
{
    private const string Service = "shared";
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private TestDatabase database = null!;
    private DeliveryStores stores = null!;
    private OutboxWriter outbox = null!;
    private DeliveryStore store = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        stores = await DeliveryStores.StartAsync(database, Service);
        (outbox, store) = (stores.Outbox, stores.Store);
    }

    public async Task DisposeAsync()
    {
        await stores.DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task Deliveries_of_an_event_shaped_alike_store_its_data_once_and_read_back_the_body_built()
    {
        var eventId = Guid.CreateVersion7(Now).ToString();
        // Escapes of every kind in the data and the meta: the body read back is the same text.
        var data = WebhookPayload.Data("""{"id":7,"name":"Zoë \"Q\" <b>","tags":["a\u0000b"]}""");
        var rows = new[]
        {
            Row(1, eventId, data, "entity", customId: "hr \"one\""),
            Row(2, eventId, data, "entity", customId: "payroll"),
            Row(3, eventId, data, "entity", customId: "café", actionBody: """{"at":"gate \"2\"","n":[1,null]}"""),
            Row(4, eventId, """{"id":7}""", "shaped:abc", customId: "slim"),
            Row(5, eventId, data, shape: null, customId: "own copy"),
        };
        Assert.All(await Task.WhenAll(rows.Select(outbox.AppendAsync)), Assert.True);

        Assert.Equal(2, await database.ScalarAsync<long>($"SELECT count(*) FROM delivery_body WHERE event_id = '{eventId}'"));
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM delivery_outbox WHERE data IS NOT NULL"));
        foreach (var row in rows)
        {
            var window = await store.ReadWindowAsync(row.SubscriptionId, new WindowRead(0, 10, 100_000));
            Assert.Equal(row.Body(), Assert.Single(window.Deliveries).Body);
            Assert.Equal(row.Body(), (await store.GetAsync(row.SubscriptionId, eventId))!.Body);
        }
        // The meta is each subscription's own; an action's body follows data.
        Assert.EndsWith(""","actionBody":{"at":"gate \"2\"","n":[1,null]}}""", rows[2].Body());
        Assert.Contains("\"subscription\":2,\"customId\":\"payroll\"", rows[1].Body());
        Assert.StartsWith("{\"meta\":{\"event\":\"entity:employees:created\"", rows[0].Body());
    }

    [Fact]
    public async Task Retention_copies_shared_data_into_waiting_deliveries_before_removing_it_and_a_replay_needs_data()
    {
        var old = Now - TimeSpan.FromDays(40);
        var eventId = Guid.CreateVersion7(old).ToString();
        var data = WebhookPayload.Data("""{"id":9}""");
        var pending = Row(11, eventId, data, "entity", customId: "waits", createdOn: old);
        var finished = Row(12, eventId, data, "entity", customId: "sent", createdOn: Now);
        Assert.True(await outbox.AppendAsync(pending));
        Assert.True(await outbox.AppendAsync(finished));
        await database.ExecuteAsync("UPDATE delivery_outbox SET state = 'SUCCEEDED' WHERE subscription_id = 12");
        var before = Now - TimeSpan.FromDays(30);

        Assert.Equal(1, await store.KeepSharedDataAsync(before));
        Assert.Equal(1, await store.PurgeSharedDataAsync(Grains.Delivery.DeliveryLogRetention.SharedDataBefore(before), 100));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM delivery_body"));

        // The waiting delivery still has its body, whole.
        var window = await store.ReadWindowAsync(11, new WindowRead(0, 10, 100_000));
        Assert.Equal(pending.Body(), Assert.Single(window.Deliveries).Body);
        // A finished one whose shared data went (in use, such a row is past the retention and
        // purged first) shows no body and is not requeued without one.
        Assert.Null((await store.GetAsync(12, eventId))!.Body);
        Assert.Equal(0, await store.RequeueAsync(12, old, null, onlyFailed: false));
        Assert.Null(await store.RetryOneAsync(12, eventId));
        Assert.Equal("SUCCEEDED", await database.ScalarAsync<string>("SELECT state FROM delivery_outbox WHERE subscription_id = 12"));
    }

    [Fact]
    public async Task A_replay_gives_the_deliveries_it_requeues_their_own_copy()
    {
        var eventId = Guid.CreateVersion7(Now).ToString();
        var row = Row(21, eventId, WebhookPayload.Data("""{"id":3}"""), "entity", customId: "again");
        Assert.True(await outbox.AppendAsync(row));
        await database.ExecuteAsync("UPDATE delivery_outbox SET state = 'SUCCEEDED' WHERE subscription_id = 21");

        Assert.Equal(1, await store.RequeueAsync(21, Now - TimeSpan.FromHours(1), null, onlyFailed: false));
        await database.ExecuteAsync("DELETE FROM delivery_body");

        var window = await store.ReadWindowAsync(21, new WindowRead(0, 10, 100_000));
        Assert.Equal(row.Body(), Assert.Single(window.Deliveries).Body);
    }

    [Fact]
    public async Task A_row_queued_before_shared_data_is_read_and_replayed_with_its_whole_body()
    {
        // As migration 0029 found it: the whole body in `body`, no meta columns.
        const string body = """{"meta":{"event":"entity:employees:created","eventId":"old-1","subscription":31},"data":{"id":1}}""";
        await database.ExecuteAsync($"""
            INSERT INTO delivery_outbox (service_id, subscription_id, event_id, entity_key, entity_seq, event_name, body, state, created_on)
            VALUES ('{Service}', 31, 'old-1', 'employees/1', 1, 'entity:employees:created', '{body}', 'SUCCEEDED', now())
            """);

        Assert.Equal(body, (await store.GetAsync(31, "old-1"))!.Body);
        Assert.Equal(1, await store.RequeueAsync(31, Now - TimeSpan.FromHours(1), null, onlyFailed: false));
        var window = await store.ReadWindowAsync(31, new WindowRead(0, 10, 100_000));
        Assert.Equal(body, Assert.Single(window.Deliveries).Body);
    }

    private static OutboxRow Row(long subscription, string eventId, string data, string? shape, string customId, DateTimeOffset? createdOn = null,
        string? actionBody = null) =>
        new(subscription, "employees/7", 1,
            new WebhookMeta(subscription, customId, "fr", "entity:employees:created", eventId, createdOn ?? Now, actionBody), data, shape, createdOn ?? Now);
}
