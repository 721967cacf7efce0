namespace EventsSubscriptions.Grains.Interfaces.Routing;

/// <summary>
/// The implicit subscriber of one entity-event stream key (<c>resource/partition</c>): matches each
/// event against the subscriptions of its resource and queues it on every match.
/// </summary>
[Alias("es.IEventRouterGrain")]
public interface IEventRouterGrain : IGrainWithStringKey
{
    /// <summary>The subscription index of this resource changed: read it again before the next event.</summary>
    [Alias("Invalidate"), Orleans.Concurrency.AlwaysInterleave]
    Task InvalidateAsync(long version);

    /// <summary>For the Orleans Dashboard's grain-state view.</summary>
    [Alias("GetState"), Orleans.Concurrency.AlwaysInterleave]
    Task<Operations.RouterStateView> GetState();
}
