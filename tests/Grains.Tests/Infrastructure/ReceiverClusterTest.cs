namespace EventsSubscriptions.Grains.Tests.Infrastructure;

/// <summary>
/// A test with a cluster of its own: one silo (the silo's own hosting code, on a database of its
/// own) that may call the real webhook receiver started beside it on loopback, with retries
/// about a second apart.
/// </summary>
public abstract class ReceiverClusterTest : IAsyncLifetime
{
    protected TestDatabase Database { get; private set; } = null!;

    protected SiloCluster Cluster { get; private set; } = null!;

    protected WebhookReceiver Receiver { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync();
        Database = await TestDatabase.CreateAsync();
        Cluster = new SiloCluster(Database);
        await StartSiloAsync();
        await Cluster.StartClientAsync();
        await Cluster.WaitForActiveSilosAsync(1);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    /// <summary>Settings of the test's own, added to (or replacing) the ones every such silo has.</summary>
    protected virtual IReadOnlyDictionary<string, string?> SiloSettings => new Dictionary<string, string?>();

    protected Task StartSiloAsync() =>
        Cluster.StartSiloAsync(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Webhooks:AllowHttp"] = "true",
            ["Webhooks:AllowedNetworks:0"] = "127.0.0.0/8",
            ["Delivery:RetryDelaySeconds:0"] = "1",
            ["Delivery:RetryDelaySeconds:1"] = "1",
        }).AddInMemoryCollection(SiloSettings));

    protected ISubscriptionGrain Grain(long id) => Cluster.Client.GetGrain<ISubscriptionGrain>(id);

    /// <summary>A new subscription of every region to the resource's <c>updated</c> events, posting to <paramref name="url"/>.</summary>
    protected async Task<long> CreateSubscriptionAsync(string resource, string url)
    {
        var id = await Cluster.Client.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync();
        var result = await Grain(id).CreateAsync(TestSpecs.Subscription(resource, url, "updated"), new SecretText("receiver-test-secret-0123456789"), null);
        Assert.Equal(SubscriptionOutcome.Ok, result.Outcome);
        return id;
    }
}
