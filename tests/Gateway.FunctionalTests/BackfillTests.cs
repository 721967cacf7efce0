namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// <c>POST …/{id}/actions/backfill</c>: the entities that exist reach a new subscription, in order
/// with their live changes.
/// </summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class BackfillTests(DeliveryCluster service) : ReceivingTest(service)
{
    private readonly string resource = $"backfill-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task Ten_thousand_entities_arrive_with_live_changes_racing_and_none_inverted()
    {
        const int Entities = 10_000;
        var ids = new ConcurrentDictionary<int, long>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Entities), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var (status, body, _) = await Api.SendAsync(HttpMethod.Post, $"/rest/v1/{resource}",
                new JsonObject { ["n"] = i, ["version"] = 0, ["keep"] = i % 10 != 0 });
            Assert.Equal(HttpStatusCode.Created, status);
            ids[i] = body.GetProperty("data").GetProperty("id").GetInt64();
        });

        var subscription = EventsClient.Subscription($"entity:{resource}:updated", """{"filters": [{"tag": "context.*"}]}""", """{"keep": true}""");
        subscription["url"] = Receiver.Url("backfill");
        var id = await Api.SubscribeAsync(subscription);

        var (started, item, _) = await Api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{id}/actions/backfill");
        Assert.Equal(HttpStatusCode.Accepted, started);
        Assert.Equal("RUNNING", item.GetProperty("data").GetProperty("backfill").GetProperty("status").GetString());
        var (again, _, _) = await Api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{id}/actions/backfill");
        Assert.Equal(HttpStatusCode.Conflict, again);

        // Live changes race the backfill: 400 entities spread over the id range, changed 3 times each.
        var final = new ConcurrentDictionary<long, int>();
        var changed = Enumerable.Range(0, 400).Select(k => ids[k * (Entities / 400) + 7]).ToList();
        for (var version = 1; version <= 3; version++)
        {
            await Parallel.ForEachAsync(changed, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (entity, _) =>
            {
                await Api.OkAsync(HttpMethod.Patch, $"/rest/v1/{resource}/{entity}", new JsonObject { ["version"] = version });
                final[entity] = version;
            });
            // Spread over the backfill's run, so that live changes race it.
            await Task.Delay(300);
        }

        JsonObject backfill = null!;
        await Eventually.HoldsAsync(async () =>
        {
            var (_, current, _) = await Api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{id}");
            backfill = JsonNode.Parse(current.GetProperty("data").GetProperty("backfill").GetRawText())!.AsObject();
            return backfill["status"]!.GetValue<string>() == "COMPLETED";
        }, TimeSpan.FromMinutes(3), "the backfill never completed");
        Assert.Equal(Entities, backfill["total"]!.GetValue<long>());
        Assert.Equal(Entities, backfill["entitiesRead"]!.GetValue<long>());

        // Every selected entity ends as it is now; none is received older than a state it was received in.
        var kept = ids.Where(p => p.Key % 10 != 0).Select(p => p.Value).ToHashSet();
        await Eventually.HoldsAsync(() =>
        {
            var last = Received().GroupBy(r => r.Entity).ToDictionary(g => g.Key, g => g.Last().Version);
            return kept.All(e => last.TryGetValue(e, out var v) && v == final.GetValueOrDefault(e));
        }, TimeSpan.FromMinutes(3), "some entities never reached their current state");
        // The witness that nothing more is on its way: every snapshot the backfill queued has come,
        // and the subscription has no delivery pending.
        await Eventually.HoldsAsync(async () =>
        {
            var (_, current, _) = await Api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{id}");
            return current.GetProperty("data").GetProperty("health").GetProperty("pendingDeliveries").GetInt32() == 0
                && Received().Count(r => r.Event == $"entity:{resource}:backfill") >= backfill["queued"]!.GetValue<long>();
        }, TimeSpan.FromMinutes(1), "the backfill's deliveries never all went");
        var received = Received();
        Assert.All(received, r => Assert.Contains(r.Entity, kept));
        foreach (var calls in received.GroupBy(r => r.Entity))
        {
            var versions = calls.Select(c => c.Version).ToList();
            Assert.True(versions.SequenceEqual(versions.Order()), $"entity {calls.Key} received versions {string.Join(",", versions)}");
        }
        var snapshots = received.Count(r => r.Event == $"entity:{resource}:backfill");
        Assert.Equal(backfill["queued"]!.GetValue<long>(), snapshots);
        Assert.True(snapshots + backfill["skippedChanging"]!.GetValue<long>() >= kept.Count - changed.Count,
            $"{snapshots} snapshots for {kept.Count} selected entities");
        Assert.All(received.Where(r => r.Event.EndsWith(":backfill")).GroupBy(r => r.Entity), g => Assert.Single(g));
    }

    [Fact]
    public async Task A_backfill_is_cancelled_and_refused_where_it_does_not_apply()
    {
        for (var i = 0; i < 3; i++)
        {
            await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["n"] = i });
        }
        var subscription = EventsClient.Subscription($"entity:{resource}:created", """{"filters": [{"tag": "context.*"}]}""");
        subscription["url"] = Receiver.Url("cancel");
        subscription["delivery"] = new JsonObject { ["maxPerSecond"] = 1 };
        var id = await Api.SubscribeAsync(subscription);

        var (none, _, _) = await Api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{id}/actions/cancel-backfill");
        Assert.Equal(HttpStatusCode.Conflict, none);
        Assert.Equal(HttpStatusCode.Accepted, (await Api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{id}/actions/backfill")).Status);
        var (cancelled, item, _) = await Api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{id}/actions/cancel-backfill");
        Assert.Equal(HttpStatusCode.OK, cancelled);
        var backfill = item.GetProperty("data").GetProperty("backfill");
        Assert.Equal("CANCELLED", backfill.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.String, backfill.GetProperty("finishedOn").ValueKind);

        await Api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{id}/actions/archive");
        var (archived, problem, _) = await Api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{id}/actions/backfill");
        Assert.Equal(HttpStatusCode.Conflict, archived);
        Assert.Contains("backfill", problem.GetProperty("detail").GetString());
    }

    private List<(long Entity, int Version, string Event)> Received() =>
        [.. Receiver.Calls("backfill").Select(c => JsonNode.Parse(c.Body)!).Select(b =>
            (b["data"]!["id"]!.GetValue<long>(), b["data"]!["version"]!.GetValue<int>(), b["meta"]!["event"]!.GetValue<string>()))];
}
