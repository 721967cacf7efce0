using EventsSubscriptions.Silo.Hosting;
using StackExchange.Redis;

namespace EventsSubscriptions.Grains.Tests.Infrastructure;

/// <summary>
/// Silos built by the silo's own hosting code (Redis membership, PostgreSQL state, reminders and
/// streams), run in this process on free ports, with a client that finds them through Redis.
/// Each cluster has its own cluster and service ids, so clusters of different tests never meet.
/// </summary>
public sealed class SiloCluster(TestDatabase database) : IAsyncDisposable
{
    private readonly List<IHost> silos = [];
    private IHost? clientHost;

    public string ClusterId { get; } = $"test-{Guid.NewGuid():N}";

    public string ServiceId { get; } = $"svc-{Guid.NewGuid():N}";

    public TestDatabase Database => database;

    /// <summary>The key the silos encrypt subscription secrets with.</summary>
    public string SecretKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public IReadOnlyList<IHost> Silos => silos;

    public IClusterClient Client => clientHost?.Services.GetRequiredService<IClusterClient>()
        ?? throw new InvalidOperationException("The client is not started.");

    public static async Task<SiloCluster> StartAsync(TestDatabase database, int silos, Action<IConfigurationBuilder>? configure = null)
    {
        var cluster = new SiloCluster(database);
        for (var i = 0; i < silos; i++)
        {
            await cluster.StartSiloAsync(configure);
        }
        await cluster.StartClientAsync();
        await cluster.WaitForActiveSilosAsync(silos);
        return cluster;
    }

    public async Task<IHost> StartSiloAsync(Action<IConfigurationBuilder>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = database.ConnectionString,
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["Cluster:ClusterId"] = ClusterId,
            ["Cluster:ServiceId"] = ServiceId,
            ["Silo:SiloPort"] = TestEnvironment.FreePort().ToString(),
            ["Silo:GatewayPort"] = TestEnvironment.FreePort().ToString(),
            ["Silo:AdvertisedAddress"] = "127.0.0.1",
            ["Silo:MetricsPort"] = "0",
            ["Streams:Queues"] = "4",
            ["Secrets:EncryptionKey"] = SecretKey,
            ["Streams:PullIntervalMilliseconds"] = "50",
        });
        configure?.Invoke(builder.Configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddEventsSubscriptionsSilo();
        // After the silo's own registrations, so that a test's replacements win.
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        silos.Add(host);
        return host;
    }

    public async Task StartClientAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = ServiceId;
            });
            client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(TestEnvironment.Redis));
        });
        clientHost = builder.Build();
        await clientHost.StartAsync();
    }

    public Task WaitForActiveSilosAsync(int count) =>
        Eventually.HoldsAsync(
            async () => (await Client.GetGrain<Orleans.Runtime.IManagementGrain>(0).GetHosts(onlyActive: true)).Count == count,
            TimeSpan.FromSeconds(60), $"the cluster never had {count} active silos");

    /// <summary>Stops every silo and the client gracefully: the whole cluster is gone.</summary>
    public async Task StopAllAsync()
    {
        if (clientHost is not null)
        {
            await clientHost.StopAsync();
            clientHost.Dispose();
            clientHost = null;
        }
        foreach (var silo in silos)
        {
            await silo.StopAsync();
            silo.Dispose();
        }
        silos.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAllAsync();
        }
        finally
        {
            await RemoveMembershipAsync();
        }
    }

    private async Task RemoveMembershipAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis);
        await redis.GetDatabase().KeyDeleteAsync($"{ServiceId}/members/{ClusterId}");
    }
}
