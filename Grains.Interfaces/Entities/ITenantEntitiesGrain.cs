namespace EventsSubscriptions.Grains.Interfaces.Entities;

/// <summary>
/// The entity count of one tenant (key: the tenant), for a tenant with an entity limit: the gateway
/// reserves a place before each create. The count is read from PostgreSQL at most every
/// <see cref="RecountSeconds"/> seconds; the places reserved since are added to it.
/// </summary>
[Alias("es.ITenantEntitiesGrain")]
public interface ITenantEntitiesGrain : IGrainWithStringKey
{
    public const int RecountSeconds = 15;

    /// <summary>True, and one place taken, when the tenant holds fewer than <paramref name="limit"/> entities.</summary>
    [Alias("Reserve")]
    Task<bool> ReserveAsync(long limit);
}
