using EventsSubscriptions.Grains.Interfaces.Filters;

namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>What the router needs of one subscription to decide whether an event matches it.</summary>
[GenerateSerializer, Immutable, Alias("es.SubscriptionRoute")]
public sealed record SubscriptionRoute(
    [property: Id(0)] long SubscriptionId,
    [property: Id(1)] string[] Triggers,
    [property: Id(2)] RegionScope Scope,
    [property: Id(3)] FilterCondition[] Filters,
    [property: Id(4)] SubscriptionStatus Status)
{
    public static SubscriptionRoute From(long subscriptionId, SubscriptionSpec spec, SubscriptionStatus status) =>
        new(subscriptionId, [.. spec.Triggers], spec.ContextFilters, spec.UserDefinedFilters?.Conditions ?? [], status);
}
