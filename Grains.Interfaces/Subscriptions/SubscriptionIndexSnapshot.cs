namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>Every non-archived subscription of one resource, at one version of the index.</summary>
[GenerateSerializer, Immutable, Alias("es.SubscriptionIndexSnapshot")]
public sealed record SubscriptionIndexSnapshot(
    [property: Id(0)] string Resource,
    [property: Id(1)] long Version,
    [property: Id(2)] SubscriptionRoute[] Routes);
