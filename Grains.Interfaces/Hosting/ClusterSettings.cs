using System.ComponentModel.DataAnnotations;

namespace EventsSubscriptions.Grains.Interfaces.Hosting;

/// <summary>
/// Identity of the Orleans cluster, shared by every silo and the gateway (section <c>Cluster</c>).
/// Silos and clients with different ids never see each other.
/// </summary>
public sealed class ClusterSettings : ISettingsSection
{
    public static string Section => "Cluster";

    [Required, RegularExpression("^[A-Za-z0-9._-]{1,64}$")]
    public string ClusterId { get; set; } = "events-subscriptions";

    /// <summary>Stable across deployments: grain state, reminders and stream rows are keyed by it.</summary>
    [Required, RegularExpression("^[A-Za-z0-9._-]{1,64}$")]
    public string ServiceId { get; set; } = "events-subscriptions";

    /// <summary>
    /// How long a silo waits for another's answer to a liveness probe. With
    /// <see cref="MissedProbesLimit"/> it bounds how soon a dead silo is declared dead (about
    /// their product): shorter finds a killed silo sooner, and risks declaring a silo that only
    /// paused (a long GC, a saturated machine) dead.
    /// </summary>
    [Range(1, 60)]
    public int ProbeTimeoutSeconds { get; set; } = 2;

    /// <summary>Probes a silo may miss in a row before the others vote it dead.</summary>
    [Range(1, 10)]
    public int MissedProbesLimit { get; set; } = 2;

    /// <summary>
    /// How long a grain call may take before its caller gets a timeout (Orleans' default is 30 s):
    /// also how long a call made to a silo that was killed can wait before it fails.
    /// </summary>
    [Range(1, 300)]
    public int ResponseTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// How long a stopping silo may take to hand over its grains, queues and reminders; past it
    /// (and 10 s of grace) the process exits anyway, even when PostgreSQL or Redis is gone.
    /// </summary>
    [Range(1, 600)]
    public int ShutdownTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Running in Kubernetes: the silo takes its name and advertised address from its pod (POD_NAME,
    /// POD_IP, POD_NAMESPACE) and watches the cluster's pods (Microsoft.Orleans.Hosting.Kubernetes).
    /// </summary>
    public bool Kubernetes { get; set; }
}
