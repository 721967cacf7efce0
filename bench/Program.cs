using HdrHistogram;
using System.Globalization;
using EventsSubscriptions.Bench;

// The benchmark console. scripts/bench.sh brings the stack up and passes the connection options;
// see bench/RESULTS.md for the scenarios, the commands and the figures.
//   load    (a) S subscriptions that all match, N events (or --duration s, --rate r), delivered to
//           the local receiver; then the limit loop and the ratio system/limit.
//   fanout  (b) one event at a time to 1,000 subscriptions, repeated.
//   growth  (d) 10 matching subscriptions among 10, 1,000, 10,000 of the same resource and trigger.
//   many    (c) events at --rate to 1 subscription; then 100,000 more created (--create) that never match:
//           memory per silo and per active grain, idle CPU, and the same events again while --changes
//           of them a second are refiltered: silos' CPU per event and routing lag against the first run;
//   idle    (c) then, on freshly started silos: memory per idle subscription (routes loaded, no grain).
//   month   one subscription with a month of history of growing sizes (generated in SQL): its
//           activation, the last page of its log, a retention run (days dropped against rows deleted).
//   outage  the receiver of S subscriptions answers 503 for --duration s while entities of --entity-kb
//           KiB change at --rate; then it is back: silos' memory before, during, after; what waited.
var options = BenchOptions.Parse(args);
var run = Guid.NewGuid().ToString("N")[..8];
using var api = new GatewayApi(options);
await using var receiver = await Receiver.StartAsync(options.ReceiverAddress);
receiver.FailRate = options.FailRate;
Console.WriteLine($"bench {options.Scenario} {options.Label} on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, run {run}");
Console.WriteLine($"  {string.Join(' ', args.Where((a, i) => a != "--token" && (i == 0 || args[i - 1] != "--token")))}");

switch (options.Scenario)
{
    case "load":
        return await LoadAsync(options.Subscriptions, options.NonMatching, $"load {options.Label}".Trim());
    case "fanout":
        return await LoadAsync(options.Subscriptions, 0, "fan-out");
    case "growth":
        return await GrowthAsync();
    case "many":
        return await ManyAsync();
    case "idle":
        return await IdleAsync();
    case "outage":
        return await OutageAsync();
    case "month":
        return await MonthAsync();
    default:
        Console.Error.WriteLine($"unknown scenario '{options.Scenario}': load, fanout, growth, many, idle, outage or month");
        return 2;
}

async Task<int> LoadAsync(int matching, int nonMatching, string label)
{
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
    var gatewayBefore = await SiloMetrics.ScrapeAsync([GatewayMetrics()], options.Token);
    var report = await LoadRun.RunAsync(api, receiver, options, resource, hooks, label);
    // The exporters refresh their scrape at most every few hundred milliseconds.
    await Task.Delay(TimeSpan.FromSeconds(2));
    var silosAfter = await SiloMetrics.ScrapeAsync(options.Metrics);
    var gatewayAfter = await SiloMetrics.ScrapeAsync([GatewayMetrics()], options.Token);
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
    return report.Lost == 0 ? 0 : 1;
}

string GatewayMetrics() => $"{options.Gateway.TrimEnd('/')}/metrics";

async Task<int> GrowthAsync()
{
    var resource = $"bench{run}";
    var hooks = Enumerable.Range(0, 10).ToList();
    await api.SubscribeManyAsync(10, 10, n => api.SubscribeAsync(resource, $"bench-{run}-{n}", receiver.HookUrl(n)), "subscriptions");
    // A first phase on fresh silos pays for activations and JIT: run one to warm up, and discard it.
    LoadRun.Print(await LoadRun.RunAsync(api, receiver, options, resource, hooks, "growth warm-up (not counted)"), null);
    var nonMatching = 0;
    var rows = new List<(int Total, LoadReport Report)>();
    foreach (var total in options.Steps)
    {
        var add = total - 10 - nonMatching;
        var start = nonMatching;
        await api.SubscribeManyAsync(Math.Max(0, add), 32,
            n => api.SubscribeAsync(resource, $"bench-{run}-x{start + n}", receiver.HookUrl(100_000 + start + n), neverMatches: true),
            "non-matching subscriptions");
        nonMatching += Math.Max(0, add);
        var report = await LoadRun.RunAsync(api, receiver, options, resource, hooks, $"growth {total} subscriptions");
        LoadRun.Print(report, null);
        rows.Add((total, report));
    }
    Console.WriteLine();
    Console.WriteLine("| subscriptions (10 match) | accepted events/s | deliveries/s | accepted->received p99 ms | vs first: deliveries/s | vs first: p99 |");
    Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
    var first = rows[0].Report;
    foreach (var (total, r) in rows)
    {
        var p99 = r.Latency.GetValueAtPercentile(99) / 1000.0;
        var firstP99 = first.Latency.GetValueAtPercentile(99) / 1000.0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {total:N0} | {r.AcceptedPerSecond:0} | {r.DeliveredPerSecond:0} | {p99:0} | {r.DeliveredPerSecond / first.DeliveredPerSecond:0.00} | {p99 / firstP99:0.00} |"));
    }
    return rows.All(r => r.Report.Lost == 0) ? 0 : 1;
}

async Task<int> ManyAsync()
{
    await using var cluster = await ClusterProbe.ConnectAsync(options);
    var resource = options.Resource.Length > 0 ? options.Resource : $"bench{run}";
    var rate = options.Rate > 0 ? options.Rate : 200;
    var duration = options.Duration > 0 ? options.Duration : 60;
    // One subscription receives every event; the many never match, so they cost routing alone.
    List<int> hooks = [0];
    await api.SubscribeAsync(resource, $"{resource}-live", receiver.HookUrl(0));
    var baseline = await RoutedRunAsync(resource, hooks, [], rate, duration, 0, "1 subscription");

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
    var many = await RoutedRunAsync(resource, hooks, [.. ids], rate, duration, options.Changes, $"{options.Create:N0} subscriptions");

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

// Events at a steady rate to the resource while `changes` subscriptions a second are refiltered
// (their routes change, their matches do not): what the silos spend per event, and the routing lag.
async Task<RoutedRun> RoutedRunAsync(string resource, List<int> hooks, long[] changeable, double rate, double duration, double changes, string label)
{
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

// On silos started afresh (their heaps hold only what is live): memory before and after the
// resource's index and routers loaded every subscription's route, with no subscription grain active.
async Task<int> IdleAsync()
{
    await using var cluster = await ClusterProbe.ConnectAsync(options);
    var before = await cluster.MeasureAsync();
    Console.WriteLine($"fresh silos: {before}");
    for (var entity = 1; entity <= 32; entity++)
    {
        // A change each run (a PUT that changes nothing fires no event, and no router would load).
        await api.PutAsync(options.Resource, entity, $$"""{"counter": 1, "run": "{{run}}"}""");
    }
    await Task.Delay(TimeSpan.FromSeconds(5));
    var idle = await cluster.MeasureAsync();
    Console.WriteLine($"routes loaded: {idle}");
    Console.WriteLine();
    Console.WriteLine($"| memory per idle subscription (index and routers loaded, {idle.SubscriptionGrains} subscription grains active) | " +
        $"{(idle.ManagedBytes - before.ManagedBytes) / (double)options.Create / 1024:0.00} KiB |");
    return 0;
}

// The receivers are down while events flow, then back: the silos' memory must not follow what waits.
async Task<int> OutageAsync()
{
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
        waiting = await WaitingAsync();
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

async Task<(long Count, long Bytes)> WaitingAsync()
{
    await using var connection = new Npgsql.NpgsqlConnection(options.Postgres);
    await connection.OpenAsync();
    await using var command = new Npgsql.NpgsqlCommand(
        "SELECT count(*), coalesce(sum(octet_length(body)), 0)::bigint FROM delivery_outbox WHERE state = 'PENDING'", connection);
    await using var reader = await command.ExecuteReaderAsync();
    await reader.ReadAsync();
    return (reader.GetInt64(0), reader.GetInt64(1));
}

// A subscription's cost with a month of history behind it: activation and the last page of its log
// (p50/p99 of repeated calls), before any history and at each size; then a retention run over the
// last size, partitions dropped, against the same rows deleted in batches.
async Task<int> MonthAsync()
{
    await using var cluster = await ClusterProbe.ConnectAsync(options);
    var resource = $"bench{run}";
    var id = await api.SubscribeAsync(resource, $"bench-{run}-month", receiver.HookUrl(0));
    var rows = new List<(long History, double Act50, double Act99, double Log50, double Log99)>();
    async Task MeasureAsync(long history)
    {
        var activation = new List<double>();
        var log = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            await cluster.DeactivateIdleAsync();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            if (await api.GetAsync($"/rest/v1/events-subscriptions/{id}") != 200)
            {
                throw new InvalidOperationException($"GET subscription {id} failed");
            }
            activation.Add(watch.Elapsed.TotalMilliseconds);
        }
        for (var i = 0; i < 50; i++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await api.GetAsync($"/rest/v1/events-subscriptions/{id}/logs?limit=100");
            log.Add(watch.Elapsed.TotalMilliseconds);
        }
        static double P(List<double> values, double p) => values.Order().ElementAt((int)Math.Min(values.Count - 1, Math.Ceiling(p / 100 * values.Count) - 1));
        rows.Add((history, P(activation, 50), P(activation, 99), P(log, 50), P(log, 99)));
        Console.WriteLine($"  history {history:N0}: activation p50 {P(activation, 50):0.0} p99 {P(activation, 99):0.0} ms, last log page p50 {P(log, 50):0.0} p99 {P(log, 99):0.0} ms");
    }
    await MeasureAsync(0);
    long total = 0;
    var dropSeconds = 0.0;
    var deleteSeconds = 0.0;
    foreach (var size in options.History)
    {
        var add = size - total;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        // The next 30 days (partitions made for them): the log's days, and the finished deliveries'.
        await SqlAsync("SELECT delivery_log_add_partitions(now(), 31)");
        await SqlAsync($"""
            INSERT INTO delivery_log (service_id, subscription_id, delivery_id, event_id, event_name, entity_key, attempt, outcome,
                                      status_code, duration_ms, created_on)
            SELECT '{options.ServiceId}', {id}, '{id}-h' || g, 'h' || g, 'entity:{resource}:updated', '{resource}/' || (g % 2000), 1,
                   'SUCCEEDED', 200, 3, now() + interval '1 day' + (g % 2592000) * interval '1 second'
            FROM generate_series({total + 1}, {size}) g
            """);
        await SqlAsync($"""
            INSERT INTO delivery_outbox (service_id, subscription_id, event_id, entity_key, event_name, body, state, attempts, created_on, entity_seq)
            SELECT '{options.ServiceId}', {id}, 'h' || g, '{resource}/' || (g % 2000), 'entity:{resource}:updated',
                   json_build_object('data', json_build_object('id', g % 2000))::text, 'SUCCEEDED', 1, now() - interval '40 days' + (g % 2592000) * interval '1 second', g
            FROM generate_series({total + 1}, {size}) g
            """);
        // The log's per-day counts, as the service's own writes keep them.
        await SqlAsync($"""
            INSERT INTO delivery_log_count (service_id, subscription_id, day, n)
            SELECT '{options.ServiceId}', {id}, (created_on AT TIME ZONE 'UTC')::date, count(*)
            FROM delivery_log WHERE service_id = '{options.ServiceId}' AND subscription_id = {id} AND event_id LIKE 'h%' AND delivery_id > '{id}-h'
              AND substr(delivery_id, length('{id}-h') + 1)::bigint > {total}
            GROUP BY 3
            ON CONFLICT (service_id, subscription_id, day) DO UPDATE SET n = delivery_log_count.n + excluded.n
            """);
        await SqlAsync("ANALYZE delivery_outbox; ANALYZE delivery_log");
        Console.WriteLine($"  {add:N0} log rows and finished deliveries added in {watch.Elapsed.TotalSeconds:0} s");
        total = size;
        await MeasureAsync(total);
    }
    {
        // Retention, as the job runs it: the log's days past (here: the 30 generated days), then
        // the same number of rows deleted in batches of 5,000 (the outbox's finished deliveries).
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await SqlAsync("SELECT delivery_log_drop_partitions(now() + interval '32 days')");
        dropSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        while (await SqlAsync($"""
            DELETE FROM delivery_outbox WHERE (service_id, subscription_id, event_id) IN (
                SELECT service_id, subscription_id, event_id FROM delivery_outbox
                WHERE service_id = '{options.ServiceId}' AND subscription_id = {id} AND state <> 'PENDING' AND created_on < now() - interval '1 day' LIMIT 5000)
            """) > 0)
        {
        }
        deleteSeconds = watch.Elapsed.TotalSeconds;
    }
    Console.WriteLine();
    Console.WriteLine("| history (log rows, finished deliveries) | activation p50 / p99 ms | last log page p50 / p99 ms | vs none: activation p99 | vs none: log page p99 |");
    Console.WriteLine("|---:|---:|---:|---:|---:|");
    foreach (var r in rows)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {r.History:N0} | {r.Act50:0.0} / {r.Act99:0.0} | {r.Log50:0.0} / {r.Log99:0.0} | {r.Act99 / rows[0].Act99:0.00} | {r.Log99 / rows[0].Log99:0.00} |"));
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| retention of {total:N0} rows | log: 31 days dropped in {dropSeconds:0.00} s | outbox: the same rows deleted in batches in {deleteSeconds:0.0} s | | |"));
    return 0;
}

async Task<int> SqlAsync(string sql)
{
    await using var connection = new Npgsql.NpgsqlConnection(options.Postgres);
    await connection.OpenAsync();
    await using var command = new Npgsql.NpgsqlCommand(sql, connection) { CommandTimeout = 3600 };
    return await command.ExecuteNonQueryAsync();
}

internal sealed record RoutedRun(string Label, int Accepted, long Delivered, long Lost, int Changes, int ChangeFailures,
    double CpuMicroseconds, (double P50, double P99)? RoutingLag);
