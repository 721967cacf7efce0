namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>What one attempt of a delivery came to, as its log entry says.</summary>
public enum LogOutcome
{
    Succeeded,
    Failed,
    RetryScheduled,
    Exhausted,
    Cancelled,
}
