namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

[GenerateSerializer, Immutable, Alias("es.SubscriptionHealth")]
public sealed record SubscriptionHealth(
    [property: Id(0)] HealthState State,
    [property: Id(1)] int ConsecutiveFailures,
    [property: Id(2)] DateTimeOffset? LastSuccessOn,
    [property: Id(3)] DateTimeOffset? LastFailureOn,
    [property: Id(4)] string? LastError,
    [property: Id(5)] long PendingDeliveries)
{
    /// <summary>The health of a subscription that has made no attempt: a new value on every read, never one shared instance.</summary>
    public static SubscriptionHealth None => new(HealthState.Unknown, 0, null, null, null, 0);
}
