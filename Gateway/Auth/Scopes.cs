namespace EventsSubscriptions.Gateway.Auth;

/// <summary>The scopes of API.md, carried space-separated in the <c>scope</c> claim; each is also a policy name.</summary>
public static class Scopes
{
    public const string SubscriptionsRead = "subscriptions:read";
    public const string SubscriptionsWrite = "subscriptions:write";
    public const string EntitiesRead = "entities:read";
    public const string EntitiesWrite = "entities:write";

    /// <summary>Extension: the dashboard and metrics when they are protected.</summary>
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [SubscriptionsRead, SubscriptionsWrite, EntitiesRead, EntitiesWrite, Admin];
}
