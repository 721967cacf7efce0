namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>
/// The caller of a gateway request (its token's subject), carried to the grains in Orleans'
/// request context rather than in every method's arguments: a subscription records who created it.
/// </summary>
public static class CallerContext
{
    public const string Key = "es.caller";
}
