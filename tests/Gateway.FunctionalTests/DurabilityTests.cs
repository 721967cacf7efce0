namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>A cluster of its own whose stream messages claimed by a dead silo come back after 10 s, and that may call loopback.</summary>
public sealed class RecoveryCluster : ServiceCluster
{
    private static readonly KeyValuePair<string, string>[] Targets =
    [
        new("Webhooks__AllowHttp", "true"),
        new("Webhooks__AllowedNetworks__0", "127.0.0.0/8"),
    ];

    protected override IEnumerable<KeyValuePair<string, string>> GatewaySettings => Targets;

    protected override IEnumerable<KeyValuePair<string, string>> SiloSettings =>
        [.. Targets, new("Streams__VisibilityTimeoutSeconds", "10")];
}

[CollectionDefinition(Name)]
public sealed class RecoveryClusterCollection : ICollectionFixture<RecoveryCluster>
{
    public const string Name = "recovery cluster";
}

[Trait("Category", "Functional")]
[Collection(RecoveryClusterCollection.Name)]
public sealed class DurabilityTests(RecoveryCluster service) : IAsyncLifetime
{
    private readonly EventsClient api = new(service);

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>The subscriptions of a test are archived with it: none goes on retrying its deliveries while later tests run.</summary>
    public Task DisposeAsync() => api.ArchiveSubscribedAsync();

    [Fact]
    public async Task Without_tracing_a_webhook_carries_no_traceparent_even_when_its_caller_traced()
    {
        // This cluster sets no Telemetry__OtlpEndpoint: nothing is traced, so nothing is propagated.
        await using var receiver = await WebhookReceiver.StartAsync();
        var res = $"untraced-{Guid.NewGuid():N}"[..20];
        var body = EventsClient.Subscription($"entity:{res}:created", """{"filters": [{"tag": "context.*"}]}""");
        body["url"] = receiver.Url("untraced");
        await api.SubscribeAsync(body);
        using var request = service.Request(HttpMethod.Post, $"/rest/v1/{res}", service.Token(ServiceCluster.AllScopes));
        request.Headers.Add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        request.Content = JsonContent.Create(new JsonObject { ["name"] = "untraced" });
        using var response = await service.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        await Eventually.HoldsAsync(() => receiver.Calls("untraced").Count >= 1, TimeSpan.FromSeconds(60), "the webhook never arrived");
        Assert.DoesNotContain("traceparent", receiver.Calls("untraced")[0].Headers.Keys, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Deliveries_pending_with_retries_scheduled_survive_the_whole_cluster_being_killed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var res = $"crash-{Guid.NewGuid():N}"[..20];
        var body = EventsClient.Subscription($"entity:{res}:created", """{"filters": [{"tag": "context.*"}]}""");
        body["url"] = receiver.Url("crash", "503", retryAfter: "15");
        await api.SubscribeAsync(body);
        for (var i = 1; i <= 10; i++)
        {
            await api.OkAsync(HttpMethod.Put, $"/rest/v1/{res}/{i}", new JsonObject { ["n"] = i });
        }
        await Eventually.HoldsAsync(() => receiver.Calls("crash").Select(c => c.Headers["webhook-id"]).Distinct().Count() >= 10,
            TimeSpan.FromSeconds(60), "the ten deliveries were never all tried");
        var first = receiver.Calls("crash").GroupBy(c => c.Headers["webhook-id"]).ToDictionary(g => g.Key, g => g.First());
        Assert.Equal(10, first.Count);

        foreach (var silo in service.Silos)
        {
            silo.Kill();
        }
        var beforeKill = receiver.Calls("crash").Count;
        receiver.Url("crash", "200");
        await service.RestartSilosAsync();

        await Eventually.HoldsAsync(
            () => receiver.Calls("crash").Skip(beforeKill).Where(c => c.Status == 200).Select(c => c.Headers["webhook-id"]).Distinct().Count() >= 10,
            TimeSpan.FromSeconds(150), "the ten deliveries never all succeeded after the restart");
        var after = receiver.Calls("crash").Skip(beforeKill).Where(c => c.Status == 200)
            .GroupBy(c => c.Headers["webhook-id"]).ToDictionary(g => g.Key, g => g.First());
        Assert.Equal(first.Keys.Order(), after.Keys.Order());
        foreach (var (webhookId, call) in after)
        {
            Assert.Equal(first[webhookId].Body, call.Body);
        }
    }

    [Fact]
    public async Task A_silo_killed_during_a_burst_of_2000_events_loses_none_and_queues_each_once()
    {
        try
        {
            var res = $"burst-{Guid.NewGuid():N}"[..20];
            var subscription = await api.SubscribeAsync(EventsClient.Subscription($"entity:{res}:created entity:{res}:updated",
                """{"filters": [{"tag": "context.*"}]}"""));
            var accepted = new ConcurrentBag<string>();
            var progress = 0;
            var killed = new TaskCompletionSource();

            var burst = Enumerable.Range(1, 20).Select(async entity =>
            {
                for (var counter = 0; counter < 100; counter++)
                {
                    JsonNode body = new JsonObject { ["counter"] = counter };
                    // A request that fails while the cluster recovers is sent again, as a client would;
                    // only 2xx answers count as accepted events.
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            var (status, _, eventId) = await api.SendAsync(HttpMethod.Put, $"/rest/v1/{res}/{entity}", body);
                            if ((int)status is >= 200 and < 300)
                            {
                                if (eventId is not null)
                                {
                                    accepted.Add(eventId);
                                }
                                break;
                            }
                        }
                        catch (Exception) when (attempt < 300)
                        {
                        }
                        if (attempt >= 300)
                        {
                            Assert.Fail($"{res}/{entity} was never accepted again");
                        }
                        await Task.Delay(300);
                    }
                    if (Interlocked.Increment(ref progress) == 500)
                    {
                        service.Silos[1].Kill();
                        killed.SetResult();
                    }
                }
            }).ToList();
            await Task.WhenAll(burst);
            Assert.True(killed.Task.IsCompleted);

            // Every PUT changed the counter: 2,000 changes, each one event, whether or not its answer
            // reached the client before the kill (a retried PUT that finds its change done fires nothing).
            await api.QueuedAsync(subscription, 2000, TimeSpan.FromSeconds(180));
            await api.SettleAsync(res, [.. Enumerable.Range(1, 20).Select(i => (long)i)]);
            var queued = await api.QueuedAsync(subscription);
            var queuedIds = queued.Select(q => q.EventId).ToHashSet();
            var missing = accepted.Where(id => !queuedIds.Contains(id)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {accepted.Count} accepted events were never queued");
            Assert.Equal(queued.Count, queuedIds.Count);
            Assert.Equal(2000, queued.Count);
            Assert.Equal(20, queued.Select(q => q.EntityKey).Distinct().Count());
            foreach (var entity in queued.GroupBy(q => q.EntityKey))
            {
                // In entity order (the order deliveries of one entity go out in), the counters are the PUTs' order.
                Assert.Equal(Enumerable.Range(0, 100),
                    entity.OrderBy(q => q.EntitySequence).Select(q => q.Body["data"]!["counter"]!.GetValue<int>()));
                Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), entity.Select(q => q.EntitySequence).Order());
            }
        }
        finally
        {
            // The cluster is shared: the killed silo is replaced whatever happened above.
            await service.ReplaceExitedSilosAsync();
        }
    }
}
