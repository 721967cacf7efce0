using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using StackExchange.Redis;

namespace EventsSubscriptions.Bench;

internal sealed record MemorySample(long ManagedBytes, IReadOnlyList<(string Silo, long Bytes)> ManagedBytesBySilo, long SubscriptionGrains, long Activations)
{
    public override string ToString() =>
        $"managed {ManagedBytes / 1048576.0:0.0} MiB over {ManagedBytesBySilo.Count} silos, {Activations} activations, {SubscriptionGrains} subscription grains";
}

/// <summary>An Orleans client of the running cluster, for its management grain: memory and activation counts.</summary>
internal sealed class ClusterProbe(IHost host, IReadOnlyList<string> metrics) : IAsyncDisposable
{
    private IManagementGrain Management => host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);

    public static async Task<ClusterProbe> ConnectAsync(BenchOptions options)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(options.Redis));
        });
        var host = builder.Build();
        await host.StartAsync();
        return new ClusterProbe(host, options.Metrics);
    }

    /// <summary>
    /// The live managed heap of every silo after a full collection, and the activations: what the
    /// runtime reports after that collection (<c>dotnet_gc_last_collection_heap_size_bytes</c> less
    /// its fragmentation, all generations, from each silo's metrics). The management grain's memory
    /// statistic counts memory the process holds, free space included, so it overstated what
    /// subscriptions keep.
    /// </summary>
    /// <summary>Every idle grain of the cluster deactivated (the next call to one activates it afresh).</summary>
    public Task DeactivateIdleAsync() => Management.ForceActivationCollection(TimeSpan.Zero);

    public async Task<MemorySample> MeasureAsync()
    {
        var silos = (await Management.GetHosts(onlyActive: true)).Keys.ToArray();
        await Management.ForceGarbageCollection(silos);
        // The exporters refresh what they serve at most every few hundred milliseconds.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var statistics = await Management.GetRuntimeStatistics(silos);
        var grains = await Management.GetSimpleGrainStatistics(silos);
        var bySilo = new List<(string, long)>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var url in metrics)
        {
            try
            {
                var lines = (await http.GetStringAsync(url)).Split('\n');
                long Sum(string metric) => lines.Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal))
                    .Sum(l => (long)double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
                bySilo.Add((url, Sum("dotnet_gc_last_collection_heap_size_bytes") - Sum("dotnet_gc_last_collection_heap_fragmentation_size_bytes")));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // A silo without metrics (or stopped): not counted.
            }
        }
        if (bySilo.Count < silos.Length)
        {
            // A silo whose heap was not read would make every per-subscription figure wrong.
            throw new InvalidOperationException(
                $"{bySilo.Count} of {silos.Length} silos' metrics were read ({string.Join(", ", metrics)}); pass --metrics with every silo's");
        }
        return new MemorySample(bySilo.Sum(s => s.Item2), bySilo,
            grains.Where(g => g.GrainType.Contains("SubscriptionGrain", StringComparison.Ordinal)
                && !g.GrainType.Contains("Index", StringComparison.Ordinal) && !g.GrainType.Contains("Query", StringComparison.Ordinal))
                .Sum(g => (long)g.ActivationCount),
            statistics.Sum(s => (long)s.ActivationCount));
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
