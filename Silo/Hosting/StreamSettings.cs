using System.ComponentModel.DataAnnotations;

namespace EventsSubscriptions.Silo.Hosting;

/// <summary>The durable entity-event stream (section <c>Streams</c>).</summary>
public sealed class StreamSettings
{
    public const string Section = "Streams";

    /// <summary>Number of PostgreSQL queues the stream is spread over, pulled in parallel across silos.</summary>
    [Range(1, 256)]
    public int Queues { get; set; } = 8;

    /// <summary>Deliveries of one message to its consumers before it is moved to the dead letters.</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 20;

    /// <summary>How long a claimed message stays invisible to other pulls before it is retried.</summary>
    [Range(5, 3600)]
    public int VisibilityTimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// How long an accepted event may wait for its consumers. Generous on purpose: an expired
    /// message is dead-lettered, and an outage of a dependency must not turn into lost events.
    /// </summary>
    [Range(60, 30 * 24 * 3600)]
    public int ExpirySeconds { get; set; } = 7 * 24 * 3600;

    /// <summary>How long dead letters are kept for inspection.</summary>
    [Range(60, 365 * 24 * 3600)]
    public int DeadLetterRetentionSeconds { get; set; } = 14 * 24 * 3600;

    [Range(1, 10_000)]
    public int PullBatchSize { get; set; } = 256;

    [Range(10, 60_000)]
    public int PullIntervalMilliseconds { get; set; } = 100;
}
