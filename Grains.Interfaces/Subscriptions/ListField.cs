namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

public enum ListField
{
    Id,
    CustomId,
    Name,
    Status,
    CreatedOn,
    UpdatedOn,
    HealthState,
}
