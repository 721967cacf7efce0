namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>What <c>TestAsync</c> did: the test call's log entry, or why no call was made.</summary>
[GenerateSerializer, Immutable, Alias("es.TestCallResult")]
public sealed record TestCallResult(
    [property: Id(0)] SubscriptionOutcome Outcome,
    [property: Id(1)] DeliveryLogEntry? Entry,
    [property: Id(2)] string? Detail);
