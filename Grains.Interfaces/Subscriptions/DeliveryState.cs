namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>Where a delivery stands: waiting to be sent (or for its next attempt), or finished.</summary>
public enum DeliveryState
{
    Pending,
    Succeeded,
    Exhausted,
    Cancelled,
}
