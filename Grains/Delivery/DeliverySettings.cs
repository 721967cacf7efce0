using System.ComponentModel.DataAnnotations;
using EventsSubscriptions.Grains.Interfaces.Hosting;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>Delivery behaviour (section <c>Delivery</c>).</summary>
public sealed class DeliverySettings : ISettingsSection, IValidatableObject
{
    public static string Section => "Delivery";

    /// <summary>Retry delays a schedule may hold.</summary>
    public const int MaxRetryDelays = 100;

    /// <summary>The longest retry delay, in seconds (30 days).</summary>
    public const double MaxRetryDelaySeconds = 30 * 24 * 3600;

    /// <summary>A subscription failing without a single success for this long is suspended.</summary>
    [Range(0.001, 24 * 365)]
    public double SuspendAfterHours { get; set; } = 24;

    /// <summary>
    /// Waits between attempts, in seconds, each ±20 %; after the last the delivery is exhausted.
    /// Default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    /// </summary>
    public double[] RetryDelaySeconds { get; set; } = [];

    public RetrySchedule Schedule => RetryDelaySeconds.Length == 0
        ? RetrySchedule.Default
        : new RetrySchedule([.. RetryDelaySeconds.Select(TimeSpan.FromSeconds)]);

    /// <summary>
    /// Tenants a silo names in the <c>tenant</c> label of its metrics: the first ones it counts; the
    /// others share the label <c>_other</c>. 0: every tenant is <c>_other</c>.
    /// </summary>
    [Range(0, 10_000)]
    public int MetricTenants { get; set; } = 100;

    /// <summary>Delivery log rows, and finished deliveries (the reach of replay), older than this are purged.</summary>
    [Range(1, 3650)]
    public int LogRetentionDays { get; set; } = 30;

    /// <summary>
    /// Pending deliveries one subscription grain holds in memory at most; the others wait in
    /// PostgreSQL and are read as these are sent.
    /// </summary>
    [Range(1, 100_000)]
    public int WindowDeliveries { get; set; } = 1_000;

    /// <summary>Memory one subscription grain's held deliveries may take, in KiB (bodies as .NET strings, two bytes a character).</summary>
    [Range(16, 1_048_576)]
    public int WindowKilobytes { get; set; } = 4_096;

    /// <summary>Memory the held deliveries of all the subscription grains of one silo may take, in MiB (each grain may still hold one).</summary>
    [Range(1, 1_048_576)]
    public int SiloWindowMegabytes { get; set; } = 256;

    /// <summary>After a secret change, calls are also signed with the previous secret for this long.</summary>
    [Range(0, 24 * 30)]
    public double SecretOverlapHours { get; set; } = 24;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetryDelaySeconds.Length > MaxRetryDelays)
        {
            yield return new ValidationResult($"at most {MaxRetryDelays} delays, not {RetryDelaySeconds.Length}.", [nameof(RetryDelaySeconds)]);
        }
        for (var i = 0; i < RetryDelaySeconds.Length; i++)
        {
            if (!(RetryDelaySeconds[i] is >= 0.001 and <= MaxRetryDelaySeconds))
            {
                yield return new ValidationResult($"a delay must be between 0.001 and {MaxRetryDelaySeconds} seconds, not {RetryDelaySeconds[i]}.",
                    [$"{nameof(RetryDelaySeconds)}:{i}"]);
            }
        }
    }
}
