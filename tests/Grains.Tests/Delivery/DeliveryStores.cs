using EventsSubscriptions.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;

namespace EventsSubscriptions.Grains.Tests.Delivery;

/// <summary>
/// The silo's outbox writer and delivery store (its batched attempt records included) over a test
/// database, for one service: what the tests of stored deliveries write and read through, without a silo.
/// </summary>
internal sealed class DeliveryStores : IAsyncDisposable
{
    private readonly NpgsqlDataSource dataSource;

    private DeliveryStores(NpgsqlDataSource dataSource, OutboxWriter outbox, DeliveryStore store)
    {
        this.dataSource = dataSource;
        Outbox = outbox;
        Store = store;
    }

    public OutboxWriter Outbox { get; }

    public DeliveryStore Store { get; }

    public static async Task<DeliveryStores> StartAsync(TestDatabase database, string serviceId)
    {
        var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var cluster = Options.Create(new ClusterOptions { ServiceId = serviceId });
        var metrics = new DeliveryMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider()
            .GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var outbox = new OutboxWriter(dataSource, cluster, metrics, NullLogger<OutboxWriter>.Instance);
        var store = new DeliveryStore(dataSource, cluster, outbox, metrics, NullLogger<DeliveryStore>.Instance);
        await outbox.StartAsync(CancellationToken.None);
        await store.StartAsync(CancellationToken.None);
        return new DeliveryStores(dataSource, outbox, store);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.StopAsync(CancellationToken.None);
        await Outbox.StopAsync(CancellationToken.None);
        await dataSource.DisposeAsync();
    }
}
