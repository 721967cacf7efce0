namespace EventsSubscriptions.Grains.Tests.Infrastructure;

/// <summary>A two-silo cluster on its own database, shared by the tests of one collection.</summary>
public sealed class SharedClusterFixture : IAsyncLifetime
{
    private TestDatabase? database;

    public SiloCluster Cluster { get; private set; } = null!;

    public TestDatabase Database => database!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        Cluster = await SiloCluster.StartAsync(database, silos: 2);
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
