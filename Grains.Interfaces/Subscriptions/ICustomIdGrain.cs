namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>
/// One custom id (key: the custom id) and the non-archived subscription that holds it. Claims of
/// one custom id are serialized here, so two creates can never both win it.
/// </summary>
[Alias("es.ICustomIdGrain")]
public interface ICustomIdGrain : IGrainWithStringKey
{
    /// <summary>True when the subscription holds the custom id now (it was free, stale, or already its own).</summary>
    [Alias("Claim")]
    Task<bool> ClaimAsync(long subscriptionId);

    [Alias("Release")]
    Task ReleaseAsync(long subscriptionId);
}
