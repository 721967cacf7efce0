using System.ComponentModel.DataAnnotations;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>HTTP limits of the gateway (section <c>Gateway</c>).</summary>
public sealed class GatewaySettings
{
    public const string Section = "Gateway";

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

    /// <summary>Serve the operator console at <c>/console</c> (static pages; they call the API with the operator's token).</summary>
    public bool Console { get; set; }

    /// <summary>Serve the development inbox at <c>/dev/inbox/{name}</c> (no authentication: Development only).</summary>
    public bool DevInbox { get; set; }

    /// <summary>Limits of particular callers, by token subject, in place of the defaults above.</summary>
    public Dictionary<string, CallerLimits> Callers { get; set; } = new(StringComparer.Ordinal);

    public (double RequestsPerSecond, int Burst, int MaxSubscriptions) For(string caller) =>
        Callers.TryGetValue(caller, out var own)
            ? (own.RequestsPerSecond ?? RequestsPerSecond, own.Burst ?? Burst, own.MaxSubscriptions ?? MaxSubscriptionsPerCaller)
            : (RequestsPerSecond, Burst, MaxSubscriptionsPerCaller);
}

/// <summary>One caller's own limits; a limit left out is the default.</summary>
public sealed class CallerLimits
{
    public double? RequestsPerSecond { get; set; }

    public int? Burst { get; set; }

    public int? MaxSubscriptions { get; set; }
}
