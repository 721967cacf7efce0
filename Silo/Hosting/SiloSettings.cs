using System.ComponentModel.DataAnnotations;

namespace EventsSubscriptions.Silo.Hosting;

/// <summary>Where this silo listens (section <c>Silo</c>). Give each silo on one machine its own ports.</summary>
public sealed class SiloSettings : ISettingsSection
{
    public static string Section => "Silo";

    /// <summary>The silo-to-silo port.</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port the gateway (an Orleans client) connects to.</summary>
    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Port of this silo's Prometheus endpoint (<c>http://host:port/metrics</c>); 0 turns it off.</summary>
    [Range(0, 65535)]
    public int MetricsPort { get; set; } = 9464;

    /// <summary>The port of the health endpoints (<c>/healthz</c>, <c>/readyz</c>) for an orchestrator's probes; 0: none.</summary>
    [Range(0, 65535)]
    public int HealthPort { get; set; }

    /// <summary>Where the metrics and health endpoints listen: <c>localhost</c>, or <c>*</c> for every interface (containers).</summary>
    [Required(AllowEmptyStrings = false)]
    public string MetricsHost { get; set; } = "localhost";

    /// <summary>
    /// The address other silos and clients reach this one at: an IP or a host name. Empty: the
    /// host's own address, which suits one container per silo.
    /// </summary>
    public string? AdvertisedAddress { get; set; }
}
