namespace EventsSubscriptions.Grains.Tests.Infrastructure;

/// <summary>A two-silo cluster on its own database, shared by the tests of one collection; it may call loopback over http.</summary>
public sealed class SharedClusterFixture : IAsyncLifetime
{
    private TestDatabase? database;

    public SiloCluster Cluster { get; private set; } = null!;

    public TestDatabase Database => database!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        // Its subscriptions post to loopback (http://127.0.0.1:9/…, the discard port), never to an outside host.
        Cluster = await SiloCluster.StartAsync(database, silos: 2, configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Webhooks:AllowHttp"] = "true",
            ["Webhooks:AllowedNetworks:0"] = "127.0.0.0/8",
        }));
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await database!.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedClusterFixture>
{
    public const string Name = "shared two-silo cluster";
}
