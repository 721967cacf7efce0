namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>What <c>ReplayAsync</c> did: how many deliveries it queued again and the subscription after, or why it did not.</summary>
[GenerateSerializer, Immutable, Alias("es.ReplayResult")]
public sealed record ReplayResult(
    [property: Id(0)] SubscriptionOutcome Outcome,
    [property: Id(1)] int Requeued,
    [property: Id(2)] SubscriptionView? View,
    [property: Id(3)] string? Detail);
