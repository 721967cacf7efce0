using System.ComponentModel.DataAnnotations;
using EventsSubscriptions.Grains.Interfaces.Hosting;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>HTTP limits of the gateway (section <c>Gateway</c>).</summary>
public sealed class GatewaySettings : ISettingsSection, IValidatableObject
{
    public static string Section => "Gateway";

    /// <summary>Larger request bodies are answered with 413.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Requests per second each caller (token subject; the client address without a token) may make, sustained.</summary>
    [Range(0.1, 1_000_000)]
    public double RequestsPerSecond { get; set; } = 5000;

    /// <summary>Requests a caller may make at once above the sustained rate (the token bucket's size).</summary>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 10_000;

    /// <summary>Subscriptions (not archived) one caller may hold; a create beyond it is a 409.</summary>
    [Range(1, int.MaxValue)]
    public int MaxSubscriptionsPerCaller { get; set; } = 100_000;

    /// <summary>
    /// Serve the console at <c>/console</c>: static pages that call the API with a pasted token or
    /// with the session a console link opened (<c>POST /rest/v1/portal-links</c>).
    /// </summary>
    public bool Console { get; set; } = true;

    /// <summary>How long a console session opened by a link lasts.</summary>
    [Range(5, 24 * 60)]
    public int PortalSessionMinutes { get; set; } = 60;

    /// <summary>
    /// The gateway's address as browsers reach it (<c>https://events.example.com</c>), for the console
    /// links it makes; unset, a link names the address its request reached.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>
    /// How long the gateway waits for a grain call before it gives up on the silo and, when the
    /// request can be repeated safely, tries again (twice): with the cluster's failure detection
    /// (<c>Cluster__MaxProbeTimeoutSeconds</c> × <c>Cluster__MissedProbesLimit</c>) it bounds how long
    /// an API call waits on a silo that was cut off. Calls that read much or call out (lists, logs,
    /// previews, test calls, replays, region moves) have 30 to 45 s of their own.
    /// </summary>
    [Range(1, 300)]
    public int GrainCallTimeoutSeconds { get; set; } = 3;

    /// <summary>Serve the development inbox at <c>/dev/inbox/{name}</c> (no authentication: Development only).</summary>
    public bool DevInbox { get; set; }

    /// <summary>
    /// Keep the e-mails given to a development SMTP server on 127.0.0.1:<see cref="DevMailboxPort"/>
    /// and show them at <c>/dev/mail</c> (no authentication: Development only).
    /// </summary>
    public bool DevMailbox { get; set; }

    /// <summary>The development SMTP server's port; <c>scripts/up.sh</c> points the silos at it unless <c>Smtp__Host</c> is set.</summary>
    [Range(0, 65535)]
    public int DevMailboxPort { get; set; } = 2525;

    /// <summary>Limits of particular callers, by token subject, in place of the defaults above.</summary>
    public Dictionary<string, CallerLimits> Callers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Limits of whole tenants, by tenant name, on top of each caller's: every caller of the tenant together.</summary>
    public Dictionary<string, CallerLimits> Tenants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>A tenant's own limits, when configured.</summary>
    public CallerLimits? ForTenant(string tenant) => Tenants.GetValueOrDefault(tenant);

    public (double RequestsPerSecond, int Burst, int MaxSubscriptions) For(string caller) =>
        Callers.TryGetValue(caller, out var own)
            ? (own.RequestsPerSecond ?? RequestsPerSecond, own.Burst ?? Burst, own.MaxSubscriptions ?? MaxSubscriptionsPerCaller)
            : (RequestsPerSecond, Burst, MaxSubscriptionsPerCaller);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PublicUrl is { Length: > 0 }
            && !(Uri.TryCreate(PublicUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Query.Length == 0 && url.Fragment.Length == 0))
        {
            yield return new ValidationResult("must be an absolute http(s) URL without query or fragment, as browsers reach the gateway.", [nameof(PublicUrl)]);
        }
        foreach (var result in ValidateEach(nameof(Callers), Callers))
        {
            yield return result;
        }
        foreach (var caller in Callers.Where(c => c.Value?.MaxEntities is not null).Select(c => c.Key))
        {
            yield return new ValidationResult("is a tenant's limit: set it under Tenants:<tenant>, not for a caller.", [$"{nameof(Callers)}:{caller}:{nameof(CallerLimits.MaxEntities)}"]);
        }
        foreach (var tenant in Tenants.Keys.Where(t => !Grains.Interfaces.Tenants.Tenants.Name().IsMatch(t)))
        {
            yield return new ValidationResult($"'{tenant}' is not a tenant name (a-z, 0-9 and '-', 1 to 63, starting with a letter or digit).", [$"{nameof(Tenants)}:{tenant}"]);
        }
        foreach (var result in ValidateEach(nameof(Tenants), Tenants))
        {
            yield return result;
        }
    }

    private static IEnumerable<ValidationResult> ValidateEach(string section, Dictionary<string, CallerLimits> all)
    {
        foreach (var (name, limits) in all)
        {
            if (limits is null)
            {
                continue;
            }
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(limits, new ValidationContext(limits), results, validateAllProperties: true);
            foreach (var result in results)
            {
                yield return new ValidationResult(result.ErrorMessage, [.. result.MemberNames.Select(m => $"{section}:{name}:{m}")]);
            }
        }
    }
}

/// <summary>One caller's (or one tenant's) own limits; a limit left out is the default (none, for a tenant).</summary>
public sealed class CallerLimits
{
    /// <summary>Requests a second, refilling a token bucket; past it the answer is 429 with <c>Retry-After</c>.</summary>
    [Range(0.1, 1_000_000)]
    public double? RequestsPerSecond { get; set; }

    /// <summary>The token bucket's size: requests at once after a quiet time (a tenant's defaults to a second's rate).</summary>
    [Range(1, 10_000_000)]
    public int? Burst { get; set; }

    /// <summary>Subscriptions (not archived) it may hold; past it a create is a 409.</summary>
    [Range(1, int.MaxValue)]
    public int? MaxSubscriptions { get; set; }

    /// <summary>A tenant's entities (of every resource, regions included); tenants only.</summary>
    [Range(1, long.MaxValue)]
    public long? MaxEntities { get; set; }
}
