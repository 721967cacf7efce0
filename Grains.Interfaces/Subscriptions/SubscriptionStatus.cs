namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

public enum SubscriptionStatus
{
    Active,
    Suspended,
    Archived,
}
