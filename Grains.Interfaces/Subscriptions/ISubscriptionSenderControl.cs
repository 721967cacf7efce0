namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>
/// What the subscription's own sender asks of it, as ordinary (serialized) calls: the sender runs
/// interleaved with the grain's requests and must not write the grain's state itself.
/// </summary>
[Alias("es.ISubscriptionSenderControl")]
public interface ISubscriptionSenderControl : IGrainWithIntegerKey
{
    /// <summary>Saves the health summary (on a change of state: healthy, failing).</summary>
    [Alias("SaveHealth")]
    Task SaveHealthAsync(SubscriptionHealth health, DateTimeOffset? failingSince);

    /// <summary>Suspends an active subscription on the sender's behalf (410, or failing too long); true when it did.</summary>
    [Alias("SuspendForDelivery")]
    Task<bool> SuspendForDeliveryAsync(string reason);

    /// <summary>
    /// Whether the e-mail about an exhausted delivery may go now (a failure address is set and none
    /// went in the last 24 h); a true answer is recorded first, so that at most one goes.
    /// </summary>
    [Alias("ClaimExhaustedMail")]
    Task<bool> ClaimExhaustedMailAsync();

    /// <summary>
    /// Whether a failing notice (<paramref name="failing"/>) or a recovery notice may go now, by the
    /// notices already sent (at most one failing notice an hour; a recovery only after one); a true
    /// answer is recorded first, so that each goes once.
    /// </summary>
    [Alias("ClaimFailureNotice")]
    Task<bool> ClaimFailureNoticeAsync(bool failing, DateTimeOffset now);
}
