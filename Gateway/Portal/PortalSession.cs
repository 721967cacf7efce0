using System.Security.Claims;
using EventsSubscriptions.Gateway.Hosting;

namespace EventsSubscriptions.Gateway.Portal;

/// <summary>
/// A console session opened by a link: a token of this gateway's issuer, in a cookie the pages
/// cannot read (HttpOnly; SameSite=Strict; Secure outside Development), sent with every API call the
/// console makes. Its claims are the link's grant: the tenant, the link maker's subject, scopes no
/// wider than the maker's (never <c>admin</c> or <c>entities:write</c>), and the one subscription it
/// is limited to, if any.
/// </summary>
public static class PortalSession
{
    /// <summary>
    /// The cookie's name: <c>__Host-</c> outside Development, so that no other host of the domain
    /// can set it (browsers accept such a cookie only Secure, host-only and for the path /).
    /// </summary>
    public static string CookieName(IHostEnvironment environment) => environment.IsDevelopment() ? "es_console" : "__Host-es_console";

    /// <summary>Marks a session token: only such a token is read from the cookie.</summary>
    public const string SessionClaim = "es_console";

    /// <summary>The one subscription a session is limited to.</summary>
    public const string SubscriptionClaim = "es_subscription";

    /// <summary>What the console sends with each change; a cross-site form or image cannot.</summary>
    public const string RequestHeader = "X-Requested-With";

    public const string RequestHeaderValue = "es-console";

    /// <summary>The scopes a link may carry, of those its maker holds; write only when not read-only.</summary>
    public static IReadOnlyList<string> ScopesOf(ClaimsPrincipal maker, bool readOnly) =>
        [.. new[] { Scopes.SubscriptionsRead, Scopes.SubscriptionsWrite, Scopes.EntitiesRead }
            .Where(s => Scopes.Held(maker, s) && !(readOnly && s == Scopes.SubscriptionsWrite))];

    /// <summary>The session's token, valid <paramref name="lifetime"/>.</summary>
    public static string Issue(AuthSettings settings, PortalGrant grant, TimeSpan lifetime) =>
        TokenIssuer.Issue(settings, grant.Scopes, lifetime, grant.CreatedBy, grant.Tenant,
            [new Claim(SessionClaim, grant.ReadOnly ? "read-only" : "read-write"),
             .. grant.SubscriptionId is { } id ? [new Claim(SubscriptionClaim, id.ToString(System.Globalization.CultureInfo.InvariantCulture))] : Array.Empty<Claim>()]);

    public static bool IsSession(ClaimsPrincipal user) => user.FindFirst(SessionClaim) is not null;

    /// <summary>The subscription the session is limited to; null when it sees every subscription of its tenant.</summary>
    public static long? LimitedTo(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirst(SubscriptionClaim)?.Value, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : null;

    public static CookieOptions Cookie(IHostEnvironment environment, DateTimeOffset expires) => new()
    {
        HttpOnly = true,
        Secure = !environment.IsDevelopment(),
        SameSite = SameSiteMode.Strict,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
