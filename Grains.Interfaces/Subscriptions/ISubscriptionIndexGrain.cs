using Orleans.Concurrency;
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

/// <summary>Every non-archived subscription of one resource, at one version of the index.</summary>
[GenerateSerializer, Immutable, Alias("es.SubscriptionIndexSnapshot")]
public sealed record SubscriptionIndexSnapshot(
    [property: Id(0)] string Resource,
    [property: Id(1)] long Version,
    [property: Id(2)] SubscriptionRoute[] Routes);

/// <summary>
/// The subscriptions of one resource (key: the resource, e.g. <c>employees</c>): which of them
/// listen, to what, with which scope and filters. Partitioned by resource, versioned so that
/// routers can cache it and ask only for what changed. It keeps no state of its own: it is
/// loaded from the subscriptions' read model, which every subscription writes before telling it.
/// </summary>
[Alias("es.ISubscriptionIndexGrain")]
public interface ISubscriptionIndexGrain : IGrainWithStringKey
{
    [Alias("Upsert")]
    Task UpsertAsync(SubscriptionRoute route);

    [Alias("Remove")]
    Task RemoveAsync(long subscriptionId);

    /// <summary>The index, or null when it is still at <paramref name="knownVersion"/>.</summary>
    [Alias("Get"), ReadOnly]
    Task<SubscriptionIndexSnapshot?> GetAsync(long knownVersion);

    /// <summary>For the Orleans Dashboard's grain-state view: the whole index.</summary>
    [Alias("GetState"), ReadOnly]
    Task<SubscriptionIndexSnapshot?> GetState();
}
