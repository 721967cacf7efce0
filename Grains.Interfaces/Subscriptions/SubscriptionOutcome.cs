namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

public enum SubscriptionOutcome
{
    Ok,
    NotFound,

    /// <summary>The action does not apply to the current status.</summary>
    StatusConflict,
    CustomIdTaken,

    /// <summary>The subscription changed since the version the caller built its change from.</summary>
    VersionMismatch,
}
