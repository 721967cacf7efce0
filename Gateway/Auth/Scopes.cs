namespace EventsSubscriptions.Gateway.Auth;

/// <summary>The scopes of API.md, carried space-separated in the <c>scope</c> claim; each is also a policy name.</summary>
public static class Scopes
{
    public const string SubscriptionsRead = "subscriptions:read";
    public const string SubscriptionsWrite = "subscriptions:write";
    public const string EntitiesRead = "entities:read";
    public const string EntitiesWrite = "entities:write";

    /// <summary>Extension: the dashboard and metrics when they are protected; acting for any tenant (X-Tenant).</summary>
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [SubscriptionsRead, SubscriptionsWrite, EntitiesRead, EntitiesWrite, Admin];

    /// <summary>Whether the principal's <c>scope</c> claims hold <paramref name="scope"/>.</summary>
    public static bool Held(System.Security.Claims.ClaimsPrincipal user, string scope) =>
        // "scope" (space-separated, RFC 8693) or "scp" (as some identity providers name it, one claim per scope or space-separated).
        user.FindAll(c => c.Type is "scope" or "scp").Any(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(scope, StringComparer.Ordinal));
}
