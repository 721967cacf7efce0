using System.Net;

namespace EventsSubscriptions.Grains.Interfaces.Webhooks;

/// <summary>
/// Decides which webhook URLs and addresses may be called. At create time only what the URL
/// itself says is checked (scheme, user-info, IP literals, <c>localhost</c>); names are resolved
/// and checked at every delivery.
/// </summary>
public sealed class WebhookTargetPolicy
{
    public const int MaxUrlLength = 2048;

    private readonly IPNetwork[] allowed;

    public WebhookTargetPolicy(WebhookSettings settings)
    {
        AllowHttp = settings.AllowHttp;
        allowed = settings.AllowedNetworks
            .Select(n => IPNetwork.TryParse(n.Trim(), out var network)
                ? network
                : throw new InvalidOperationException($"Webhooks:AllowedNetworks holds '{n}', which is not a CIDR network."))
            .ToArray();
    }

    public bool AllowHttp { get; }

    /// <summary>The reasons a URL is refused; empty when it is acceptable.</summary>
    public IReadOnlyList<string> CheckUrl(string url)
    {
        var problems = new List<string>();
        if (url.Length > MaxUrlLength)
        {
            problems.Add($"must be at most {MaxUrlLength} characters");
        }
        if (url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '\u2028' or '\u2029'))
        {
            problems.Add("must not contain spaces, line breaks or control characters (percent-encode them)");
            return problems;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            problems.Add("must be an absolute URL");
            return problems;
        }
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && AllowHttp))
        {
            problems.Add(AllowHttp ? "must use https or http" : "must use https");
        }
        if (uri.UserInfo.Length > 0)
        {
            problems.Add("must not carry user-info (credentials before '@')");
        }
        if (IsLocalhostName(uri.IdnHost))
        {
            if (!IsAllowed(IPAddress.Loopback, out _))
            {
                problems.Add($"targets '{uri.Host}', a loopback name, which is not allowed");
            }
        }
        else if (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var literal) && !IsAllowed(literal, out var reason))
        {
            problems.Add(reason);
        }
        return problems;
    }

    /// <summary>Whether a call may connect to this address; the reason when not.</summary>
    public bool IsAllowed(IPAddress address, out string reason)
    {
        var canonical = AddressClassifier.Canonical(address);
        var kind = AddressClassifier.Classify(canonical);
        if (kind == AddressClass.Public || allowed.Any(n => n.Contains(canonical)))
        {
            reason = "";
            return true;
        }
        reason = $"targets {AddressClassifier.Describe(kind)} address ({canonical}), which is not allowed";
        return false;
    }

    private static bool IsLocalhostName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        || host.Equals("localhost.", StringComparison.OrdinalIgnoreCase);
}
