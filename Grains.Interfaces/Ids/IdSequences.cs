namespace EventsSubscriptions.Grains.Interfaces.Ids;

/// <summary>The sequences ids come from (created by the migrations).</summary>
public static class IdSequences
{
    public const string Subscriptions = "subscription_id";
    public const string Entities = "entity_id";
}
