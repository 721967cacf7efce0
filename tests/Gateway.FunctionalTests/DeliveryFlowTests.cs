namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>How deliveries flow: per-entity order, max in flight, max per second, and what suspension holds back.</summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class DeliveryFlowTests(DeliveryCluster service) : DeliveryTest(service)
{
    [Fact]
    public async Task A_receiver_that_hangs_does_not_slow_another_subscription()
    {
        await SubscribeAsync(Receiver.Url("stuck", "hang"), """{"delivery": {"timeoutSeconds": 30, "maxInFlight": 2}}""");
        await SubscribeAsync(Receiver.Url("brisk"));

        for (var i = 1; i <= 20; i++)
        {
            await Api.OkAsync(HttpMethod.Put, $"/rest/v1/{Resource}/{i}", new JsonObject { ["n"] = i });
        }

        var calls = await CallsAsync("brisk", 20);
        Assert.Equal(20, calls.Count);
        // All twenty came while the stuck receiver still held its two calls: before their 30-s timeout
        // could free a slot (how long the machine took for them is not the point, whatever its load).
        var stuck = Receiver.Calls("stuck");
        Assert.Equal(2, stuck.Count);
        Assert.True(calls[^1].At < stuck[0].At + TimeSpan.FromSeconds(30),
            $"the last call came {(calls[^1].At - stuck[0].At).TotalSeconds:0.0} s after the stuck receiver's first: it waited for the hanging calls");
    }

    [Fact]
    public async Task Max_in_flight_bounds_how_many_calls_a_slow_receiver_answers_at_once()
    {
        // Each answer takes 1.5 s: long enough for the next entity's call to start meanwhile, even on a loaded machine.
        await SubscribeAsync(Receiver.Url("slow-two", TimeSpan.FromMilliseconds(1500)), """{"delivery": {"maxInFlight": 2}}""");

        for (var entity = 1; entity <= 6; entity++)
        {
            await Api.OkAsync(HttpMethod.Put, $"/rest/v1/{Resource}/{entity}", new JsonObject { ["n"] = entity });
        }

        var calls = await CallsAsync("slow-two", 6);
        Assert.Equal(Enumerable.Range(1, 6), calls.Select(c => JsonNode.Parse(c.Body)!["data"]!["n"]!.GetValue<int>()).Order());
        Assert.All(calls, c => Assert.Equal(200, c.Status));
        // Two at once, never more: the receiver, slow but answering, is kept as busy as allowed.
        Assert.Equal(2, Receiver.MaxConcurrent("slow-two"));
    }

    [Fact]
    public async Task With_retries_forced_each_entity_still_arrives_in_order_and_others_are_not_held_back()
    {
        // Retry-After 6 s: time enough for the others' nine deliveries on a loaded machine, whose twelve changes come one by one.
        await SubscribeAsync(Receiver.Url("ordering", "503 503 200", retryAfter: "6"), """{"delivery": {"maxInFlight": 4}}""");
        for (var step = 1; step <= 3; step++)
        {
            for (var entity = 1; entity <= 4; entity++)
            {
                await Api.OkAsync(HttpMethod.Put, $"/rest/v1/{Resource}/{entity}", new JsonObject { ["step"] = step });
            }
        }

        List<(long Entity, int Step, DateTimeOffset At)> Succeeded() => [.. Receiver.Calls("ordering").Where(c => c.Status == 200)
            .Select(c => (JsonNode.Parse(c.Body)!["data"]!, c.At))
            .Select(p => (p.Item1["id"]!.GetValue<long>(), p.Item1["step"]!.GetValue<int>(), p.At))];
        await Eventually.HoldsAsync(() => Succeeded().Count >= 12, TimeSpan.FromSeconds(60), "the twelve deliveries never all succeeded");
        var delivered = Succeeded();
        Assert.Equal(12, delivered.Count);
        foreach (var entity in delivered.GroupBy(d => d.Entity))
        {
            Assert.Equal([1, 2, 3], entity.Select(d => d.Step));
        }
        // The entities whose first call failed wait 6 s (Retry-After) for their retry; the others are
        // all through before that.
        // The script fails the first two calls of the path: two entities' first deliveries.
        var failed = Receiver.Calls("ordering").Where(c => c.Status != 200).Select(c => JsonNode.Parse(c.Body)!["data"]!["id"]!.GetValue<long>()).ToHashSet();
        Assert.Equal(2, Receiver.Calls("ordering").Count(c => c.Status == 503));
        Assert.Equal(2, failed.Count);
        Assert.True(delivered.Where(d => !failed.Contains(d.Entity)).Max(d => d.At) < delivered.Where(d => failed.Contains(d.Entity)).Min(d => d.At),
            "an entity that never failed waited for a retried one");
    }

    [Fact]
    public async Task Max_per_second_caps_the_calls_to_the_receiver()
    {
        await SubscribeAsync(Receiver.Url("capped"), """{"delivery": {"maxPerSecond": 2, "maxInFlight": 8}}""");
        // The same calls without a cap, in the same run: what the machine does when nothing holds it back.
        await SubscribeAsync(Receiver.Url("uncapped"), """{"delivery": {"maxInFlight": 8}}""");

        for (var entity = 1; entity <= 8; entity++)
        {
            await Api.OkAsync(HttpMethod.Put, $"/rest/v1/{Resource}/{entity}", new JsonObject { ["n"] = entity });
        }

        var calls = await CallsAsync("capped", 8);
        Assert.Equal(8, calls.Count);
        var uncapped = await CallsAsync("uncapped", 8);
        Assert.True(uncapped[^1].At - uncapped[0].At < calls[^1].At - calls[0].At,
            $"uncapped {(uncapped[^1].At - uncapped[0].At).TotalSeconds:0.00} s, capped {(calls[^1].At - calls[0].At).TotalSeconds:0.00} s: the cap made no difference");
        // A burst of at most 2, then 2 a second: the last of 8 is sent at least 3 s after the first,
        // and any 5 in a row take at least 1.5 s. Lower bounds, which load cannot break; the receiver
        // sees when calls arrive, not when they were sent, so each allows half a second or more of
        // skew in transit (a cap of 4 a second would still fail both).
        Assert.True(calls[^1].At - calls[0].At >= TimeSpan.FromSeconds(2), $"8 calls in {(calls[^1].At - calls[0].At).TotalSeconds:0.00} s");
        for (var i = 4; i < calls.Count; i++)
        {
            Assert.True(calls[i].At - calls[i - 4].At >= TimeSpan.FromSeconds(1), $"calls {i - 4} to {i} within {(calls[i].At - calls[i - 4].At).TotalSeconds:0.00} s");
        }
    }

    [Fact]
    public async Task After_a_410_enable_sends_the_held_delivery_first_then_those_queued_meanwhile_in_order()
    {
        var subscription = await SubscribeAsync(Receiver.Url("gone-back", "410 200"));
        await Api.OkAsync(HttpMethod.Put, $"/rest/v1/{Resource}/1", new JsonObject { ["step"] = 1 });
        await WaitForAsync(subscription, i => i.Status == "SUSPENDED");
        for (var step = 2; step <= 3; step++)
        {
            await Api.OkAsync(HttpMethod.Patch, $"/rest/v1/{Resource}/1", new JsonObject { ["step"] = step });
        }
        await WaitForAsync(subscription, i => i.Health.PendingDeliveries == 3);

        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{subscription}/actions/enable");

        await CallsAsync("gone-back", 4);
        var item = await WaitForAsync(subscription, i => i.Health.PendingDeliveries == 0);
        Assert.Equal("ACTIVE", item.Status);
        var calls = Receiver.Calls("gone-back");
        Assert.Equal([(1, 410), (1, 200), (2, 200), (3, 200)],
            calls.Select(c => (JsonNode.Parse(c.Body)!["data"]!["step"]!.GetValue<int>(), c.Status)));
        Assert.Equal(calls[0].Headers["webhook-id"], calls[1].Headers["webhook-id"]);
        Assert.Equal(calls[0].Body, calls[1].Body);
    }

    [Fact]
    public async Task Deliveries_queued_while_suspended_go_out_in_order_on_enable_and_archive_cancels_the_rest()
    {
        var ordered = await SubscribeAsync(Receiver.Url("ordered"));
        var archived = await SubscribeAsync(Receiver.Url("archived"));
        // Active beside them: its calls show how soon the suspended ones would have sent theirs.
        await SubscribeAsync(Receiver.Url("control"));
        foreach (var id in new[] { ordered, archived })
        {
            await Api.OkAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{id}/actions/suspend", new JsonObject { ["reason"] = "hold" });
        }

        await Api.OkAsync(HttpMethod.Put, $"/rest/v1/{Resource}/1", new JsonObject { ["step"] = 0 });
        for (var step = 1; step <= 4; step++)
        {
            await Api.OkAsync(HttpMethod.Patch, $"/rest/v1/{Resource}/1", new JsonObject { ["step"] = step });
        }
        await WaitForAsync(ordered, i => i.Health.PendingDeliveries == 5);
        await WaitForAsync(archived, i => i.Health.PendingDeliveries == 5);
        Assert.Equal(5, (await CallsAsync("control", 5)).Count);
        Assert.Empty(Receiver.Calls("ordered"));
        Assert.Empty(Receiver.Calls("archived"));

        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{ordered}/actions/enable");
        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{archived}/actions/archive");

        var calls = await CallsAsync("ordered", 5);
        Assert.Equal([0, 1, 2, 3, 4], calls.Select(c => JsonNode.Parse(c.Body)!["data"]!["step"]!.GetValue<int>()));
        var cancelled = await LogsAsync(archived, 5);
        Assert.All(cancelled, l => Assert.Equal("CANCELLED", l.Outcome));
        // The enabled one sent its five meanwhile; the archived one, cancelled, sent nothing.
        Assert.Empty(Receiver.Calls("archived"));
    }
}
