namespace EventsSubscriptions.Bench;

/// <summary>idle (c): memory per idle subscription, on freshly started silos.</summary>
internal static class IdleScenario
{
    /// <summary>
    /// On silos started afresh (their heaps hold only what is live): memory before and after the
    /// resource's index and routers loaded every subscription's route, with no subscription grain active.
    /// </summary>
    public static async Task<int> RunAsync(BenchRun bench)
    {
        var (options, api, _, run) = bench;
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
}
