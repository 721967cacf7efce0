namespace EventsSubscriptions.Bench;

/// <summary>
/// many (c): events to one subscription, then the same among 100,000 more that never match: memory
/// per silo and per active grain, idle CPU, and the silos' CPU per event while subscriptions are refiltered.
/// </summary>
internal static class ManyScenario
{
    public static async Task<int> RunAsync(BenchRun bench)
    {
        var (options, api, receiver, run) = bench;
        await using var cluster = await ClusterProbe.ConnectAsync(options);
        var resource = options.Resource.Length > 0 ? options.Resource : $"bench{run}";
        var rate = options.Rate > 0 ? options.Rate : 200;
        var duration = options.Duration > 0 ? options.Duration : 60;
        // One subscription receives every event; the many never match, so they cost routing alone.
        List<int> hooks = [0];
        await api.SubscribeAsync(resource, $"{resource}-live", receiver.HookUrl(0));
        var baseline = await RoutedRunAsync(bench, resource, hooks, [], rate, duration, 0, "1 subscription");

        var before = await cluster.MeasureAsync();
        Console.WriteLine($"before: {before}");
        var started = DateTime.UtcNow;
        var ids = new System.Collections.Concurrent.ConcurrentBag<long>();
        await api.SubscribeManyAsync(options.Create, options.Concurrency,
            async n => ids.Add(await api.SubscribeAsync(resource, $"{resource}-m{n}", receiver.HookUrl(n + 1), neverMatches: true)), "subscriptions");
        var seconds = (DateTime.UtcNow - started).TotalSeconds;
        Console.WriteLine($"created {options.Create} subscriptions of {resource} in {seconds:0} s = {options.Create / seconds:0}/s");
        var active = await cluster.MeasureAsync();
        Console.WriteLine($"all active: {active}");

        // Idle: nothing sent, nothing changed, every subscription's grain still active.
        await Task.Delay(TimeSpan.FromSeconds(10));
        var idle = new List<double>();
        foreach (var url in options.Metrics)
        {
            idle.Add(Cpu(await SiloMetrics.ScrapeAsync([url])));
        }
        const double idleSeconds = 30;
        await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
        for (var i = 0; i < options.Metrics.Length; i++)
        {
            idle[i] = (Cpu(await SiloMetrics.ScrapeAsync([options.Metrics[i]])) - idle[i]) / idleSeconds * 100;
        }
        var many = await RoutedRunAsync(bench, resource, hooks, [.. ids], rate, duration, options.Changes, $"{options.Create:N0} subscriptions");

        var grains = active.SubscriptionGrains - before.SubscriptionGrains;
        Console.WriteLine();
        Console.WriteLine("| measure | value |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| subscriptions created | {options.Create:N0} ({options.Create / seconds:0}/s) |");
        foreach (var (silo, bytes) in active.ManagedBytesBySilo)
        {
            Console.WriteLine($"| managed memory of silo {silo}, all active | {bytes / 1048576.0:0} MiB |");
        }
        Console.WriteLine($"| subscription grains active | {grains:N0} |");
        Console.WriteLine($"| memory per active subscription grain | {(active.ManagedBytes - before.ManagedBytes) / (double)Math.Max(1, grains) / 1024:0.00} KiB |");
        for (var i = 0; i < idle.Count; i++)
        {
            Console.WriteLine($"| idle CPU of silo {i + 1} ({idleSeconds:0} s, every grain active) | {idle[i]:0.00} % of a core |");
        }
        foreach (var r in new[] { baseline, many })
        {
            Console.WriteLine($"| {r.Label}: events / delivered / lost | {r.Accepted:N0} / {r.Delivered:N0} / {r.Lost} |");
            Console.WriteLine($"| {r.Label}: subscription changes applied | {r.Changes:N0} ({r.Changes / duration:0.0}/s, {r.ChangeFailures} refused) |");
            Console.WriteLine($"| {r.Label}: silos' CPU per event | {r.CpuMicroseconds:0} µs |");
            Console.WriteLine($"| {r.Label}: routing lag p50 / p99 | {r.RoutingLag?.P50 * 1000:0.0} / {r.RoutingLag?.P99 * 1000:0.0} ms |");
        }
        Console.WriteLine($"| CPU per event, {options.Create:N0} subscriptions vs 1 | {many.CpuMicroseconds / baseline.CpuMicroseconds:0.00}x |");
        return 0;

        static double Cpu(IReadOnlyList<string> pages) =>
            SiloMetrics.Counters(pages, ["dotnet_process_cpu_time_seconds_total"]).GetValueOrDefault("dotnet_process_cpu_time_seconds_total");
    }

    /// <summary>
    /// Events at a steady rate to the resource while <paramref name="changes"/> subscriptions a second are refiltered
    /// (their routes change, their matches do not): what the silos spend per event, and the routing lag.
    /// </summary>
    private static async Task<RoutedRun> RoutedRunAsync(BenchRun bench, string resource, List<int> hooks, long[] changeable, double rate, double duration, double changes, string label)
    {
        var (options, api, receiver, _) = bench;
        var before = await SiloMetrics.ScrapeAsync(options.Metrics);
        using var stop = new CancellationTokenSource();
        var changed = 0;
        var refused = 0;
        var changer = Task.Run(async () =>
        {
            if (changes <= 0 || changeable.Length == 0)
            {
                return;
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var inFlight = new List<Task>();
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var wait = TimeSpan.FromSeconds(n / changes) - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }
                inFlight.RemoveAll(t => t.IsCompleted);
                if (inFlight.Count >= 16)
                {
                    await Task.WhenAny(inFlight);
                }
                var id = changeable[Random.Shared.Next(changeable.Length)];
                inFlight.Add(Task.Run(async () =>
                {
                    if (await api.RefilterAsync(id, -1 - Random.Shared.Next(1000)) is >= 200 and < 300)
                    {
                        Interlocked.Increment(ref changed);
                    }
                    else
                    {
                        Interlocked.Increment(ref refused);
                    }
                }));
            }
            await Task.WhenAll(inFlight);
        });
        var report = await LoadRun.RunAsync(api, receiver, options.ForRun(rate, duration), resource, hooks, label,
            whenSent: async () => { stop.Cancel(); await changer; });
        await Task.Delay(TimeSpan.FromSeconds(2));
        var after = await SiloMetrics.ScrapeAsync(options.Metrics);
        var cpu = SiloMetrics.Counters(after, ["dotnet_process_cpu_time_seconds_total"]).GetValueOrDefault("dotnet_process_cpu_time_seconds_total")
            - SiloMetrics.Counters(before, ["dotnet_process_cpu_time_seconds_total"]).GetValueOrDefault("dotnet_process_cpu_time_seconds_total");
        Console.WriteLine($"  {label}: {report.Accepted} events at {rate:0}/s, {changed} changes, silos {cpu:0.0} CPU s");
        return new RoutedRun(label, report.Accepted, report.Delivered, report.Lost, changed, refused,
            cpu / Math.Max(1, report.Accepted) * 1e6, SiloMetrics.Quantiles(before, after, SiloMetrics.RoutingLag));
    }
}

/// <summary>What one run of <see cref="ManyScenario"/> measured: events, changes, the silos' CPU per event, the routing lag.</summary>
internal sealed record RoutedRun(string Label, int Accepted, long Delivered, long Lost, int Changes, int ChangeFailures,
    double CpuMicroseconds, (double P50, double P99)? RoutingLag);
