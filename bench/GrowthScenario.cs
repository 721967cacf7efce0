using System.Globalization;

namespace EventsSubscriptions.Bench;

/// <summary>growth (d): 10 matching subscriptions among ever more of the same resource and trigger.</summary>
internal static class GrowthScenario
{
    public static async Task<int> RunAsync(BenchRun bench)
    {
        var (options, api, receiver, run) = bench;
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
}
