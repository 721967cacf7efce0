namespace EventsSubscriptions.Bench;

/// <summary>outage: the receiver of S subscriptions refuses every call for a while, then is back.</summary>
internal static class OutageScenario
{
    /// <summary>
    /// The receivers are down while events flow, then back: the silos' memory must not follow what waits.
    /// </summary>
    public static async Task<int> RunAsync(BenchRun bench)
    {
        var (options, api, receiver, run) = bench;
        var resource = $"bench{run}";
        var hooks = Enumerable.Range(0, options.Subscriptions).ToList();
        await api.SubscribeManyAsync(options.Subscriptions, 16, n => api.SubscribeAsync(resource, $"bench-{run}-{n}", receiver.HookUrl(n)), "subscriptions");
        if (options.Warmup > 0)
        {
            // The same load with the receiver up first: "before" is the silos' memory under this load
            // (JIT done, heaps grown to its allocation rate), not that of silos just started.
            var warm = await LoadRun.RunAsync(api, receiver, options.ForWarmup(), resource, hooks, "warm-up");
            LoadRun.Print(warm, null);
        }
        var before = await SiloMetrics.WorkingSetAsync(options.Metrics);
        var samples = new List<(double Seconds, long Bytes)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(10), sampling.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                samples.Add((clock.Elapsed.TotalSeconds, await SiloMetrics.WorkingSetAsync(options.Metrics)));
            }
        });
        receiver.Down = true;
        long atOutageEnd = 0;
        (long Count, long Bytes) waiting = default;
        var backAt = 0L;
        var backSeconds = 0.0;
        var report = await LoadRun.RunAsync(api, receiver, options, resource, hooks, "outage", async () =>
        {
            atOutageEnd = await SiloMetrics.WorkingSetAsync(options.Metrics);
            waiting = await WaitingAsync(options);
            Console.WriteLine($"  outage over after {clock.Elapsed.TotalSeconds:0} s: {waiting.Count:N0} deliveries waiting, " +
                              $"{waiting.Bytes / 1048576.0:0} MiB of bodies; {receiver.Refused:N0} calls refused; the receiver is back");
            receiver.Down = false;
            backAt = System.Diagnostics.Stopwatch.GetTimestamp();
            backSeconds = clock.Elapsed.TotalSeconds;
        });
        await sampling.CancelAsync();
        await sampler;
        var after = await SiloMetrics.WorkingSetAsync(options.Metrics);
        LoadRun.Print(report, null);
        var during = samples.Where(s => s.Seconds <= backSeconds).Select(s => s.Bytes).Append(atOutageEnd).ToList();
        var drain = receiver.LastArrivalTimestamp > backAt ? System.Diagnostics.Stopwatch.GetElapsedTime(backAt, receiver.LastArrivalTimestamp).TotalSeconds : 0;
        static string Mb(long bytes) => $"{bytes / 1048576.0:0} MiB";
        Console.WriteLine($"  silos' working set every 10 s: {string.Join(", ", samples.Select(s => $"{s.Seconds:0}s {s.Bytes / 1048576.0:0}"))} (MiB)");
        Console.WriteLine();
        Console.WriteLine("| measure | value |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| outage | {backSeconds:0} s at {options.Rate:0} events/s, entities of {options.EntityKb:0} KiB, {options.Subscriptions} subscriptions |");
        Console.WriteLine($"| deliveries waiting when the receiver came back | {waiting.Count:N0} ({Mb(waiting.Bytes)} of bodies) |");
        Console.WriteLine($"| silos' working set before | {Mb(before)} |");
        Console.WriteLine($"| silos' working set, most during the outage | {Mb(during.Max())} (+{Mb(during.Max() - before)}) |");
        Console.WriteLine($"| silos' working set at the outage's end | {Mb(atOutageEnd)} (+{Mb(atOutageEnd - before)}) |");
        Console.WriteLine($"| silos' working set after the drain | {Mb(after)} |");
        Console.WriteLine($"| time to drain once back | {drain:0} s |");
        Console.WriteLine($"| lost, duplicates, per-entity inversions | {report.Lost}, {report.Duplicates}, {report.Inversions} |");
        return report.Lost == 0 && report.Inversions == 0 ? 0 : 1;
    }

    /// <summary>
    /// The deliveries waiting in the outbox, and the bytes of the bodies they will send (data shared
    /// by several counted for each, meta as about 200 bytes): what a silo would hold to keep them all.
    /// </summary>
    private static async Task<(long Count, long Bytes)> WaitingAsync(BenchOptions options)
    {
        await using var connection = new Npgsql.NpgsqlConnection(options.Postgres);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            """
            SELECT count(*), coalesce(sum(coalesce(octet_length(o.body), octet_length(coalesce(o.data, b.data)) + 200)), 0)::bigint
            FROM delivery_outbox o
            LEFT JOIN LATERAL (SELECT b.data FROM delivery_body b
                               WHERE b.service_id = o.service_id AND b.event_id = o.event_id AND b.shape = o.body_shape LIMIT 1) b ON true
            WHERE o.state = 'PENDING'
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
