namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>A page of a subscription's delivery log, newest first, with optional filters.</summary>
[GenerateSerializer, Immutable, Alias("es.DeliveryLogQuery")]
public sealed record DeliveryLogQuery(
    [property: Id(0)] int Limit,
    [property: Id(1)] int Offset,
    [property: Id(2)] string? Outcome,
    [property: Id(3)] DateTimeOffset? Since,
    [property: Id(4)] DateTimeOffset? Until,
    [property: Id(5)] string? EventId);
