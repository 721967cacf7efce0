namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>One event as the subscriptions queued it: for whom, and where each delivery stands.</summary>
[GenerateSerializer, Immutable, Alias("es.RecentEvent")]
public sealed record RecentEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] string EventName,
    [property: Id(2)] string EntityKey,
    [property: Id(3)] DateTimeOffset QueuedOn,
    [property: Id(4)] RecentDelivery[] Deliveries);
