namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>Answers listings from the PostgreSQL read model; one per silo, no state.</summary>
[Alias("es.ISubscriptionQueryGrain")]
public interface ISubscriptionQueryGrain : IGrainWithIntegerKey
{
    /// <summary>A page of one tenant's subscriptions.</summary>
    [Alias("List")]
    [ResponseTimeout("00:00:30")] // a query of PostgreSQL that may read much
    Task<SubscriptionPage> ListAsync(string tenant, SubscriptionListQuery query);

    /// <summary>How many subscriptions that are not archived <paramref name="caller"/> created in a tenant (its quota there).</summary>
    [Alias("CountLiveByCaller")]
    Task<long> CountLiveByCallerAsync(string tenant, string caller);

    /// <summary>How many subscriptions of a tenant are not archived (its quota).</summary>
    [Alias("CountLiveOfTenant")]
    Task<long> CountLiveOfTenantAsync(string tenant);

    /// <summary>A subscription's deliveries, newest first, optionally of one state; without bodies.</summary>
    [Alias("Deliveries")]
    [ResponseTimeout("00:00:30")] // a query of PostgreSQL that may read much
    Task<DeliveryPage> DeliveriesAsync(long subscriptionId, string? state, int limit, int offset);

    /// <summary>One delivery with its body as sent, or null.</summary>
    [Alias("Delivery")]
    Task<DeliveryRecord?> DeliveryAsync(long subscriptionId, string eventId);

    /// <summary>The newest events of a tenant's resource that its subscriptions queued (within a day), each with the subscriptions and the state of their delivery.</summary>
    [Alias("RecentEvents")]
    [ResponseTimeout("00:00:30")] // a query of PostgreSQL that may read much
    Task<RecentEvent[]> RecentEventsAsync(string tenant, string resource, int limit);

    [Alias("Logs")]
    [ResponseTimeout("00:00:30")] // a query of PostgreSQL that may read much
    Task<DeliveryLogPage> LogsAsync(long subscriptionId, DeliveryLogQuery query);
}
