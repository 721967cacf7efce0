namespace EventsSubscriptions.Grains.Tests.Streaming;

/// <summary>What the event queue's tests build by hand: stores, signals and receivers outside a silo's pulling agents.</summary>
internal static class EventQueueKit
{
    public static EventQueueSignal Signal(TestDatabase database, string service, StreamSettings options) =>
        new(database.ConnectionString, Options.Create(new ClusterOptions { ServiceId = service }), options, NullLogger<EventQueueSignal>.Instance);

    public static EventQueueReceiver Receiver(int queue, EventQueue events, EventQueueSignal signal) =>
        new(queue, events, signal, TimeProvider.System, new OpenFence(), NullLogger<EventQueueReceiver>.Instance);

    /// <summary>A silo in contact with its cluster (these receivers run without one).</summary>
    public sealed class OpenFence : EventsSubscriptions.Grains.Hosting.ISiloFence
    {
        public bool IsOpen => true;
    }

    public static EventQueueStore Store(NpgsqlDataSource dataSource, string service) => new(dataSource,
        Options.Create(new ClusterOptions { ServiceId = service }),
        new DeliveryMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
        NullLogger<EventQueueStore>.Instance);

    public static List<ProbeMessage> Received(string key) =>
        ProbeConsumerGrain.Received.TryGetValue(key, out var queue) ? [.. queue] : [];
}
