namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

[GenerateSerializer, Immutable, Alias("es.SubscriptionPage")]
public sealed record SubscriptionPage(
    [property: Id(0)] long Count,
    [property: Id(1)] SubscriptionView[] Items);
