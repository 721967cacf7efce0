using HdrHistogram;

namespace EventsSubscriptions.Bench;

/// <summary>
/// load (a) and fanout (b): subscriptions that all match (and, for load, some that never do), events
/// delivered to the local receiver, then the receiver's own limit and the silos' and gateway's figures over the run.
/// </summary>
internal static class LoadScenario
{
    public static async Task<int> RunAsync(BenchRun bench, int matching, int nonMatching, string label)
    {
        var (options, api, receiver, run) = bench;
        var resource = $"bench{run}";
        var hooks = Enumerable.Range(0, matching).ToList();
        await api.SubscribeManyAsync(matching, 16, n => api.SubscribeAsync(resource, $"bench-{run}-{n}", receiver.HookUrl(n)), "subscriptions");
        await api.SubscribeManyAsync(nonMatching, 32, n => api.SubscribeAsync(resource, $"bench-{run}-x{n}", receiver.HookUrl(100_000 + n), neverMatches: true),
            "non-matching subscriptions");
        if (options.Warmup > 0)
        {
            // The first seconds of new subscriptions (grains activated, connections opened, the
            // receiver's code compiled) are reported apart from the sustained rate that follows.
            var warm = await LoadRun.RunAsync(api, receiver, options.ForWarmup(), resource, hooks, "warm-up");
            Console.WriteLine($"  warm-up: {warm.Accepted} events in {options.Warmup:0} s, accepted->received ms p50 " +
                              $"{warm.Latency.GetValueAtPercentile(50) / 1000.0:0.0}  p99 {warm.Latency.GetValueAtPercentile(99) / 1000.0:0.0}  " +
                              $"max {warm.Latency.GetMaxValue() / 1000.0:0.0}, lost {warm.Lost}; then the measured run");
            if (receiver.SlowSeconds(3) is { Length: > 0 } warmSlow)
            {
                Console.WriteLine($"  warm-up seconds with arrivals over {Receiver.SlowMs:0} ms: {warmSlow}");
            }
        }
        // Each process's metrics page is read once before the run and once after; every figure below is
        // the difference between the two.
        var silosBefore = await SiloMetrics.ScrapeAsync(options.Metrics);
        var gatewayBefore = await SiloMetrics.ScrapeAsync([GatewayMetrics(options)], options.Token);
        var writesBefore = await DatabaseWrites.ReadAsync(options.Postgres);
        var report = await LoadRun.RunAsync(api, receiver, options, resource, hooks, label);
        // The exporters refresh their scrape at most every few hundred milliseconds.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var silosAfter = await SiloMetrics.ScrapeAsync(options.Metrics);
        var gatewayAfter = await SiloMetrics.ScrapeAsync([GatewayMetrics(options)], options.Token);
        // PostgreSQL's backends report their counters once idle for ten seconds.
        await Task.Delay(TimeSpan.FromSeconds(11));
        var writesAfter = await DatabaseWrites.ReadAsync(options.Postgres);
        double? limit = null;
        if (!options.NoLimit)
        {
            var requests = (int)Math.Clamp(report.Delivered, 5_000, 50_000);
            limit = (await LoadRun.LimitAsync(receiver, options.Concurrency, requests)).PerSecond;
        }
        LoadRun.Print(report, limit);
        if (receiver.SlowSeconds(6) is { Length: > 0 } slow)
        {
            Console.WriteLine($"  accepted seconds with arrivals over {Receiver.SlowMs:0} ms (UTC, most first): {slow}");
        }
        if (SiloMetrics.Quantiles(silosBefore, silosAfter, SiloMetrics.DeliveryLatency) is var (p50, p99))
        {
            Console.WriteLine($"  silos' es_delivery_latency_seconds over the run: p50 {p50 * 1000:0.0} ms  p99 {p99 * 1000:0.0} ms " +
                              $"(histogram_quantile; the receiver measured p50 {report.Latency.GetValueAtPercentile(50) / 1000.0:0.0} ms, p99 {report.Latency.GetValueAtPercentile(99) / 1000.0:0.0} ms)");
        }
        // Where an API answer's time goes: the gateway's own measure of it (without the bench's client),
        // and, inside it, the silo's wait for the commit that makes the change durable.
        if (SiloMetrics.Quantiles(gatewayBefore, gatewayAfter, SiloMetrics.GatewayRequests, SiloMetrics.EntityPuts) is var (g50, g99))
        {
            Console.WriteLine($"  gateway's {SiloMetrics.GatewayRequests} (PUT entity) over the run: p50 {g50 * 1000:0.0} ms  p99 {g99 * 1000:0.0} ms");
        }
        if (SiloMetrics.Quantiles(silosBefore, silosAfter, SiloMetrics.BatchWait, SiloMetrics.EventCommits) is var (e50, e99))
        {
            Console.WriteLine($"  silos' {SiloMetrics.BatchWait} (an accepted change's wait for its commit) over the run: p50 {e50 * 1000:0.0} ms  p99 {e99 * 1000:0.0} ms");
        }
        if (SiloMetrics.Quantiles(silosBefore, silosAfter, SiloMetrics.RoutingLag) is var (r50, r99))
        {
            Console.WriteLine($"  silos' {SiloMetrics.RoutingLag} (accepted->routed) over the run: p50 {r50 * 1000:0.0} ms  p99 {r99 * 1000:0.0} ms");
        }
        if (SiloMetrics.Quantiles(silosBefore, silosAfter, SiloMetrics.AttemptDuration) is var (c50, c99))
        {
            // A subscription has delivery.maxInFlight calls at once (8 by default): a call's duration
            // bounds what one subscription can carry (8 calls of 10 ms: 800 deliveries/s).
            Console.WriteLine($"  silos' {SiloMetrics.AttemptDuration} (one webhook call) over the run: p50 {c50 * 1000:0.0} ms  p99 {c99 * 1000:0.0} ms");
        }
        var countersBefore = SiloMetrics.Counters(silosBefore, SiloMetrics.RuntimeCounters);
        var countersAfter = SiloMetrics.Counters(silosAfter, SiloMetrics.RuntimeCounters);
        if (report.Delivered > 0 && SiloMetrics.RuntimeCounters.All(countersAfter.ContainsKey))
        {
            // What a delivery costs the silos: many small wake-ups show as work items, not as CPU per row.
            double PerDelivery(string name) => (countersAfter[name] - countersBefore.GetValueOrDefault(name)) / report.Delivered;
            Console.WriteLine($"  silos per delivery: {PerDelivery(SiloMetrics.RuntimeCounters[0]):0.0} thread-pool work items, " +
                              $"{PerDelivery(SiloMetrics.RuntimeCounters[1]) * 1e6:0} µs CPU, {PerDelivery(SiloMetrics.RuntimeCounters[2]) * 1e6:0.0} µs GC pause");
        }
        writesAfter.Print(writesBefore, report.Delivered, report.Accepted);
        return report.Lost == 0 ? 0 : 1;
    }

    /// <summary>The gateway's metrics page, read before and after the run as the silos' are.</summary>
    private static string GatewayMetrics(BenchOptions options) => $"{options.Gateway.TrimEnd('/')}/metrics";
}
