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
internal sealed class ClusterProbe(IHost host) : IAsyncDisposable
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
        return new ClusterProbe(host);
    }

    /// <summary>Managed memory after a full collection on every silo, and the activations.</summary>
    public async Task<MemorySample> MeasureAsync()
    {
        var silos = (await Management.GetHosts(onlyActive: true)).Keys.ToArray();
        await Management.ForceGarbageCollection(silos);
        await Management.ForceRuntimeStatisticsCollection(silos);
        var statistics = await Management.GetRuntimeStatistics(silos);
        var grains = await Management.GetSimpleGrainStatistics(silos);
        var bySilo = silos.Zip(statistics).Select(p => (p.First.ToString(), p.Second.EnvironmentStatistics.RawMemoryUsageBytes)).ToList();
        return new MemorySample(bySilo.Sum(s => s.Item2), bySilo,
            grains.Where(g => g.GrainType.Contains("SubscriptionGrain", StringComparison.Ordinal)
                && !g.GrainType.Contains("Index", StringComparison.Ordinal) && !g.GrainType.Contains("Query", StringComparison.Ordinal))
                .Sum(g => (long)g.ActivationCount),
            statistics.Sum(s => (long)s.ActivationCount));
    }

    /// <summary>Deactivates every activation idle for a second or more.</summary>
    public async Task DeactivateIdleAsync()
    {
        await Task.Delay(TimeSpan.FromSeconds(2));
        await Management.ForceActivationCollection(TimeSpan.FromSeconds(1));
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
