namespace EventsSubscriptions.Grains.Tests.Delivery;

/// <summary>
/// A subscription that cannot send holds a window of its pending deliveries in memory, five here;
/// the others wait in PostgreSQL, and everything goes out in each entity's order once it can send,
/// also after its grain was unloaded and read its window back from disk.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DeliveryWindowIntegrationTests : ReceiverClusterTest
{
    private const int Window = 5;
    private readonly string resource = $"window{Guid.NewGuid():N}"[..20];

    protected override IReadOnlyDictionary<string, string?> SiloSettings => new Dictionary<string, string?>
    {
        ["Delivery:WindowDeliveries"] = Window.ToString(),
    };

    [Fact]
    public async Task A_suspended_subscription_holds_a_window_and_sends_every_delivery_in_entity_order_once_enabled()
    {
        var id = await CreateAsync(Receiver.Url("window"));
        Assert.Equal(SubscriptionOutcome.Ok, (await Grain(id).SuspendAsync("receiver maintenance")).Outcome);
        for (var change = 1; change <= 15; change++)
        {
            for (var entity = 1; entity <= 4; entity++)
            {
                await Grain(id).EnqueueAsync(Event(entity, change));
            }
        }
        var held = await Grain(id).GetState();
        Assert.Equal((60L, Window), (held.Subscription!.Health.PendingDeliveries, held.QueuedInMemory));
        Assert.InRange(held.BytesInMemory, 1, 10_000);

        // Unloaded and loaded again: the window is read back from disk, as large as it may be.
        await Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(SubscriptionOutcome.Ok, (await Grain(id).EnableAsync()).Outcome);

        var most = 0;
        await Eventually.HoldsAsync(async () =>
        {
            var state = await Grain(id).GetState();
            most = Math.Max(most, state.QueuedInMemory);
            return state.Subscription!.Health.PendingDeliveries == 0 && Receiver.Calls("window").Count >= 60;
        }, TimeSpan.FromSeconds(60), "the 60 deliveries were not all sent");
        Assert.InRange(most, 0, Window);
        AssertEntityOrder(Receiver.Calls("window"), entities: 4, changes: 15);
        Assert.Equal(60, await Database.ScalarAsync<int>(
            $"SELECT count(*) FROM delivery_outbox WHERE subscription_id = {id} AND state = 'SUCCEEDED'"));
    }

    [Fact]
    public async Task An_older_change_queued_late_goes_before_the_newer_one_held_whether_it_waits_in_memory_or_on_disk()
    {
        var id = await CreateAsync(Receiver.Url("late"));
        Assert.Equal(SubscriptionOutcome.Ok, (await Grain(id).SuspendAsync("receiver maintenance")).Outcome);
        // Entity 1's second change is queued first (a stream handing an older event over late),
        // then enough of other entities to fill the window, then entity 1's first change.
        await Grain(id).EnqueueAsync(Event(1, 2));
        for (var entity = 2; entity <= 12; entity++)
        {
            await Grain(id).EnqueueAsync(Event(entity, 1));
        }
        await Grain(id).EnqueueAsync(Event(1, 1));
        Assert.InRange((await Grain(id).GetState()).QueuedInMemory, Window, Window + 1);

        // Read back from disk: the first change is far on in the outbox, and still read with the second.
        await Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(SubscriptionOutcome.Ok, (await Grain(id).EnableAsync()).Outcome);

        await Eventually.HoldsAsync(() => Task.FromResult(Receiver.Calls("late").Count >= 13), TimeSpan.FromSeconds(60),
            "the 13 deliveries were not all sent");
        Assert.Equal([1L, 2L], Changes(Receiver.Calls("late"), entity: 1));
    }

    private static void AssertEntityOrder(IReadOnlyList<ReceivedCall> calls, int entities, int changes)
    {
        for (var entity = 1; entity <= entities; entity++)
        {
            Assert.Equal(Enumerable.Range(1, changes).Select(c => (long)c), Changes(calls, entity));
        }
    }

    private static List<long> Changes(IReadOnlyList<ReceivedCall> calls, long entity) =>
    [
        .. calls.Select(c => JsonNode.Parse(c.Body)!["data"]!)
            .Where(d => d["id"]!.GetValue<long>() == entity)
            .Select(d => d["change"]!.GetValue<long>()),
    ];

    private Task<long> CreateAsync(string url) => CreateSubscriptionAsync(resource, url);

    private EntityEvent Event(long entity, long change) => new(
        Guid.CreateVersion7().ToString(), resource, "updated", entity, [],
        new JsonObject { ["id"] = entity, ["change"] = change }.ToJsonString(), DateTimeOffset.UtcNow, null, change);
}
