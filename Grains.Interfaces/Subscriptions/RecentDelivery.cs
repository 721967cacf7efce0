namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

[GenerateSerializer, Immutable, Alias("es.RecentDelivery")]
public sealed record RecentDelivery([property: Id(0)] long SubscriptionId, [property: Id(1)] DeliveryState State, [property: Id(2)] int Attempts);
