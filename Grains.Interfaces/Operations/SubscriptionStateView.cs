using EventsSubscriptions.Grains.Interfaces.Subscriptions;

namespace EventsSubscriptions.Grains.Interfaces.Operations;

// What the Orleans Dashboard's grain-state view shows of each grain (it calls a method named
// GetState): made for operators, cheap to build, never a secret.

/// <summary>
/// A subscription grain: its configuration, status and health as the API shows them, and its sender's
/// state (the pending deliveries it holds in memory and what they take; the others wait in PostgreSQL).
/// </summary>
[GenerateSerializer, Immutable, Alias("es.SubscriptionStateView")]
public sealed record SubscriptionStateView(
    [property: Id(0)] SubscriptionView? Subscription,
    [property: Id(1)] int QueuedInMemory,
    [property: Id(2)] int EntitiesInFlight,
    [property: Id(3)] bool Sending,
    [property: Id(4)] bool ReminderOn,
    [property: Id(5)] int ProjectedVersion,
    [property: Id(6)] DateTimeOffset? FailingSince,
    [property: Id(7)] long BytesInMemory = 0);
