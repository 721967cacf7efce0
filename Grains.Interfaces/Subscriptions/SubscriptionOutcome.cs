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

    /// <summary>The change was refused as invalid (a merge patch that breaks a rule); the result's errors say why.</summary>
    Invalid,
}
