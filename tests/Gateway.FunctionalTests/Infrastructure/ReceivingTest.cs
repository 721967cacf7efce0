namespace EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// A functional test with a webhook receiver of its own on the shared cluster. The subscriptions it
/// makes through <see cref="Api"/> are archived when it ends, so that none goes on calling or
/// retrying against the receiver it disposes while later tests run.
/// </summary>
public abstract class ReceivingTest(ServiceCluster service) : IAsyncLifetime
{
    protected EventsClient Api { get; } = new(service);

    protected WebhookReceiver Receiver { get; private set; } = null!;

    public async Task InitializeAsync() => Receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await Api.ArchiveSubscribedAsync();
        await Receiver.DisposeAsync();
    }
}
