namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

[GenerateSerializer, Immutable, Alias("es.DeliveryLogPage")]
public sealed record DeliveryLogPage([property: Id(0)] long Count, [property: Id(1)] DeliveryLogEntry[] Entries);
