namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

[GenerateSerializer, Immutable, Alias("es.DeliveryPage")]
public sealed record DeliveryPage(
    [property: Id(0)] long Count,
    [property: Id(1)] DateTimeOffset? OldestPendingOn,
    [property: Id(2)] DeliveryRecord[] Items);
