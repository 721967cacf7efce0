using Orleans.Concurrency;

namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

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

    /// <summary>
    /// What changed after <paramref name="knownVersion"/>: the changed routes alone while the
    /// index remembers that version, the whole index otherwise; null when it is still at it.
    /// </summary>
    [Alias("GetChanges"), ReadOnly]
    Task<SubscriptionIndexChanges?> GetChangesAsync(long knownVersion);

    /// <summary>For the Orleans Dashboard's grain-state view: the whole index.</summary>
    [Alias("GetState"), ReadOnly]
    Task<SubscriptionIndexSnapshot?> GetState();
}
