namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>One queued delivery of a subscription: its state, and (when read alone) the body as sent.</summary>
[GenerateSerializer, Immutable, Alias("es.DeliveryRecord")]
public sealed record DeliveryRecord(
    [property: Id(0)] string EventId,
    [property: Id(1)] string EventName,
    [property: Id(2)] string EntityKey,
    [property: Id(3)] long EntitySequence,
    [property: Id(4)] DeliveryState State,
    [property: Id(5)] int Attempts,
    [property: Id(6)] DateTimeOffset? NextAttemptOn,
    [property: Id(7)] DateTimeOffset CreatedOn,
    [property: Id(8)] string? Body);
