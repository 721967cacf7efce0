using System.ComponentModel.DataAnnotations;

namespace EventsSubscriptions.Grains.Interfaces.Hosting;

/// <summary>
/// Identity of the Orleans cluster, shared by every silo and the gateway (section <c>Cluster</c>).
/// Silos and clients with different ids never see each other.
/// </summary>
public sealed class ClusterSettings
{
    public const string Section = "Cluster";

    [Required, RegularExpression("^[A-Za-z0-9._-]{1,64}$")]
    public string ClusterId { get; set; } = "events-subscriptions";

    /// <summary>Stable across deployments: grain state, reminders and stream rows are keyed by it.</summary>
    [Required, RegularExpression("^[A-Za-z0-9._-]{1,64}$")]
    public string ServiceId { get; set; } = "events-subscriptions";
}
