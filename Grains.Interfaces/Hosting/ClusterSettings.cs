using System.ComponentModel.DataAnnotations;

namespace EventsSubscriptions.Grains.Interfaces.Hosting;

/// <summary>
/// Identity of the Orleans cluster, shared by every silo and the gateway (section <c>Cluster</c>).
/// Silos and clients with different ids never see each other.
/// </summary>
public sealed class ClusterSettings : ISettingsSection, IValidatableObject
{
    public static string Section => "Cluster";

    /// <summary>The Orleans cluster id: silos and gateway of one deployment share it.</summary>
    [Required, RegularExpression("^[A-Za-z0-9._-]{1,64}$")]
    public string ClusterId { get; set; } = "events-subscriptions";

    /// <summary>Stable across deployments: grain state, reminders and stream rows are keyed by it.</summary>
    [Required, RegularExpression("^[A-Za-z0-9._-]{1,64}$")]
    public string ServiceId { get; set; } = "events-subscriptions";

    /// <summary>
    /// How long a silo first waits for another's answer to a liveness probe (Orleans then adapts it
    /// to the answers it sees, between half of it and <see cref="MaxProbeTimeoutSeconds"/>).
    /// </summary>
    [Range(1, 60)]
    public int ProbeTimeoutSeconds { get; set; } = 1;

    /// <summary>
    /// The longest a probe may wait. A silo that answers nothing, and sends nothing, for
    /// <see cref="MaxProbeTimeoutSeconds"/> × <see cref="MissedProbesLimit"/> is voted dead: that
    /// bounds how soon a silo cut off from the network is declared dead (a killed one is found
    /// sooner: its connections close). Shorter finds it sooner, and risks declaring dead a silo that
    /// only paused (a long GC, a saturated machine), which then restarts.
    /// </summary>
    [Range(1, 240)]
    public int MaxProbeTimeoutSeconds { get; set; } = 1;

    /// <summary>Probes a silo may miss in a row before the others vote it dead.</summary>
    [Range(1, 10)]
    public int MissedProbesLimit { get; set; } = 2;

    /// <summary>
    /// How long a grain call between silos may take before its caller gets a timeout (Orleans'
    /// default is 30 s): also how long a call made to a silo that was lost can wait before it fails.
    /// The gateway's calls have their own, shorter bound (<c>Gateway__GrainCallTimeoutSeconds</c>).
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

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxProbeTimeoutSeconds < ProbeTimeoutSeconds)
        {
            yield return new ValidationResult($"must be at least ProbeTimeoutSeconds ({ProbeTimeoutSeconds}).", [nameof(MaxProbeTimeoutSeconds)]);
        }
    }
}
