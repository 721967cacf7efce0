namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>What operators rely on: deliveries across a PostgreSQL restart, queues that drain and refill, the cluster jobs' gauges.</summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class DeliveryOperationsTests(DeliveryCluster service) : DeliveryTest(service)
{
    [Fact]
    public async Task Events_and_deliveries_in_flight_across_a_postgresql_restart_all_arrive()
    {
        var subscription = await SubscribeAsync(Receiver.Url("pg-restart"));
        var accepted = new System.Collections.Concurrent.ConcurrentBag<string>();
        var refused = 0;
        using var stop = new CancellationTokenSource();
        // Four writers change twenty entities without pause; what the API confirmed (2xx) must arrive.
        var writers = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            for (var round = 0; !stop.IsCancellationRequested; round++)
            {
                try
                {
                    var (status, _, eventId) = await Api.SendAsync(HttpMethod.Put, $"/rest/v1/{Resource}/{writer * 5 + round % 5 + 1}",
                        new JsonObject { ["round"] = round, ["writer"] = writer });
                    if ((int)status is >= 200 and < 300 && eventId is not null)
                    {
                        accepted.Add(eventId);
                    }
                    else
                    {
                        Interlocked.Increment(ref refused);
                        await Task.Delay(100);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref refused);
                    await Task.Delay(100);
                }
            }
        })).ToList();

        await Eventually.HoldsAsync(() => Receiver.Calls("pg-restart").Count >= 50, TimeSpan.FromSeconds(60), "deliveries did not get going");
        await TestEnvironment.PostgresAsync("stop");
        try
        {
            await Eventually.HoldsAsync(() => Volatile.Read(ref refused) > 0, TimeSpan.FromSeconds(30), "no change was refused while PostgreSQL was down");
        }
        finally
        {
            await TestEnvironment.PostgresAsync("start");
            Npgsql.NpgsqlConnection.ClearAllPools();
        }
        var acceptedAtRestart = accepted.Count;
        await Eventually.HoldsAsync(() => accepted.Count >= acceptedAtRestart + 50, TimeSpan.FromSeconds(60), "changes were not accepted again after the restart");
        stop.Cancel();
        await Task.WhenAll(writers);

        var expected = accepted.ToHashSet();
        string EventOf(ReceivedCall call) => call.Headers["webhook-id"][(subscription.ToString().Length + 1)..];
        await Eventually.HoldsAsync(() => expected.IsSubsetOf(Receiver.Calls("pg-restart").Select(EventOf)), TimeSpan.FromSeconds(120),
            $"accepted events never arrived: {expected.Except(Receiver.Calls("pg-restart").Select(EventOf)).Count()} of {expected.Count}");

        // The gauges of the stream's queue say it drained, with nothing dead-lettered: reported by
        // one silo, the cluster lease's holder (its session ended with the restart: taken again).
        await Eventually.HoldsAsync(async () =>
        {
            var scrapes = await SiloMetrics.PagesAsync(Service.MetricsPorts);
            var reporting = scrapes.Where(scrape => Gauge(scrape, "es_stream_backlog") is not null).ToList();
            return reporting.Count == 1 && reporting.All(scrape => Gauge(scrape, "es_stream_backlog") == 0
                && Gauge(scrape, "es_stream_dead_letters") == 0 && Gauge(scrape, "es_stream_oldest_age_seconds") == 0);
        }, TimeSpan.FromSeconds(60), "the stream's gauges never showed a drained queue, reported by one silo");

        static double? Gauge(string scrape, string name) => SiloMetrics.Values(scrape, name) is [var value, ..] ? value : null;
    }

    [Fact]
    public async Task Queues_that_drain_and_refill_deliver_everything_without_reminder_errors()
    {
        var mark = Service.OutputMark();
        var names = new[] { "churn-a", "churn-b", "churn-c" };
        foreach (var name in names)
        {
            await SubscribeAsync(Receiver.Url(name));
        }

        // Rounds of changes, each delivered before the next: every queue drains and refills.
        for (var round = 1; round <= 5; round++)
        {
            await Task.WhenAll(Enumerable.Range(1, 10).Select(entity =>
                Api.OkAsync(HttpMethod.Put, $"/rest/v1/{Resource}/{entity}", new JsonObject { ["round"] = round })));
            foreach (var name in names)
            {
                Assert.Equal(10 * round, (await CallsAsync(name, 10 * round)).Count);
            }
        }

        // Registering and dropping the delivery reminder raced and failed calls before (tag mismatch).
        // Only what the silos wrote during this test: another test's leftovers are not this one's.
        Assert.DoesNotContain("ReminderException", Service.OutputSince(mark));
        Assert.DoesNotContain("Could not unregister reminder", Service.OutputSince(mark));
    }

    [Fact]
    public async Task Exactly_one_silo_runs_the_cluster_jobs_and_reports_the_backlog_gauges()
    {
        var pages = new List<string>();
        await Eventually.HoldsAsync(async () =>
        {
            pages = await SiloMetrics.AnsweringPagesAsync(Service.MetricsPorts);
            return pages.Count >= 2 && pages.Count(p => SiloMetrics.Values(p, "es_cluster_jobs").Sum() == 1) == 1
                && pages.Count(p => SiloMetrics.Values(p, "es_delivery_backlog").Any()) == 1;
        }, TimeSpan.FromSeconds(45), "not exactly one silo held the cluster lease and reported the backlog");
        var holder = pages.Single(p => SiloMetrics.Values(p, "es_cluster_jobs").Sum() == 1);
        Assert.Single(SiloMetrics.Values(holder, "es_delivery_backlog"));
        Assert.Single(SiloMetrics.Values(holder, "es_stream_backlog"));
        Assert.All(pages.Where(p => p != holder), p => Assert.Empty(SiloMetrics.Values(p, "es_delivery_oldest_pending_age_seconds")));
    }
}
