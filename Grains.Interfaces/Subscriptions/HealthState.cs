namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

public enum HealthState
{
    Unknown,
    Healthy,
    Failing,
}
