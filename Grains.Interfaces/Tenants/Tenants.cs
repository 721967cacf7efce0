using System.Text.RegularExpressions;

namespace EventsSubscriptions.Grains.Interfaces.Tenants;

/// <summary>
/// Tenants: the customers one service serves. Each one's data lives under keys of its own, so that
/// nothing of one can be reached from another's: entity grains, their rows and their event
/// streams are keyed by the tenant-qualified resource (<see cref="Qualify"/>), so are the routers and
/// the subscription indexes that match events (an event of one tenant is never in another's stream,
/// nor a subscription in another's index); a subscription records its tenant, and every call a
/// gateway request makes to it names the caller's (<see cref="ContextKey"/>). The default tenant's
/// keys are those of a single-customer install, so its data needs no change.
/// </summary>
public static partial class Tenants
{
    /// <summary>The tenant of a token that names none, and of every row written before tenants.</summary>
    public const string Default = "default";

    /// <summary>The key under which a gateway request's tenant travels in Orleans' request context.</summary>
    public const string ContextKey = "es.tenant";

    /// <summary>A tenant name: 1 to 63 characters of a-z, 0-9 and '-', starting with a letter or digit.</summary>
    [GeneratedRegex(@"\A[a-z0-9][a-z0-9-]{0,62}\z")]
    public static partial Regex Name();

    /// <summary>
    /// The resource as keys name it: the default tenant's is the resource itself, another's is
    /// <c>tenant:resource</c> (resource names hold no ':').
    /// </summary>
    public static string Qualify(string tenant, string resource) => tenant == Default ? resource : $"{tenant}:{resource}";

    /// <summary>The tenant and the resource of a qualified resource.</summary>
    public static (string Tenant, string Resource) Split(string qualified)
    {
        var colon = qualified.IndexOf(':');
        return colon < 0 ? (Default, qualified) : (qualified[..colon], qualified[(colon + 1)..]);
    }

    /// <summary>
    /// The key of a tenant's custom id: the default tenant's is the custom id itself; another's
    /// starts with a unit separator, which no custom id may hold.
    /// </summary>
    public static string CustomIdKey(string tenant, string customId) => tenant == Default ? customId : $"\u001f{tenant}\u001f{customId}";

    /// <summary>The tenant the current gateway request acts for, when the call comes from one.</summary>
    public static string? OfRequest => RequestContext.Get(ContextKey) as string;
}
