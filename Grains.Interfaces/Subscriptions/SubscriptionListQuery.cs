namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>A validated listing request: filters (all must hold), sort keys, page.</summary>
[GenerateSerializer, Immutable, Alias("es.SubscriptionListQuery")]
public sealed record SubscriptionListQuery(
    [property: Id(0)] ListFilter[] Filters,
    [property: Id(1)] ListSort[] Sort,
    [property: Id(2)] int Limit,
    [property: Id(3)] int Offset,
    [property: Id(4)] bool IncludeInactive);
