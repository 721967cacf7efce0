namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>What <c>RetryDeliveryAsync</c> did.</summary>
[GenerateSerializer, Immutable, Alias("es.DeliveryRetry")]
public sealed record DeliveryRetry(
    [property: Id(0)] SubscriptionOutcome Outcome,
    [property: Id(1)] DeliveryState? PreviousState,
    [property: Id(2)] string? Detail);
