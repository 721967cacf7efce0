namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>Answers listings from the PostgreSQL read model; one per silo, no state.</summary>
[Alias("es.ISubscriptionQueryGrain")]
public interface ISubscriptionQueryGrain : IGrainWithIntegerKey
{
    [Alias("List")]
    Task<SubscriptionPage> ListAsync(SubscriptionListQuery query);

    /// <summary>How many subscriptions that are not archived <paramref name="caller"/> created (its quota).</summary>
    [Alias("CountLiveByCaller")]
    Task<long> CountLiveByCallerAsync(string caller);

    /// <summary>A subscription's deliveries, newest first, optionally of one state; without bodies.</summary>
    [Alias("Deliveries")]
    Task<DeliveryPage> DeliveriesAsync(long subscriptionId, string? state, int limit, int offset);

    /// <summary>One delivery with its body as sent, or null.</summary>
    [Alias("Delivery")]
    Task<DeliveryRecord?> DeliveryAsync(long subscriptionId, string eventId);

    /// <summary>The newest events of a resource that subscriptions queued (within a day), each with the subscriptions and the state of their delivery.</summary>
    [Alias("RecentEvents")]
    Task<RecentEvent[]> RecentEventsAsync(string resource, int limit);

    [Alias("Logs")]
    Task<DeliveryLogPage> LogsAsync(long subscriptionId, DeliveryLogQuery query);
}
