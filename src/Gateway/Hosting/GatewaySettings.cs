using System.ComponentModel.DataAnnotations;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>HTTP limits of the gateway (section <c>Gateway</c>).</summary>
public sealed class GatewaySettings
{
    public const string Section = "Gateway";

    /// <summary>Larger request bodies are answered with 413.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
