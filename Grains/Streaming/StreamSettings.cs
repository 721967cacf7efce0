using System.ComponentModel.DataAnnotations;
using EventsSubscriptions.Grains.Interfaces.Hosting;

namespace EventsSubscriptions.Grains.Streaming;

/// <summary>The durable entity-event stream (section <c>Streams</c>): the silos' settings, and what the event queue works with.</summary>
public sealed class StreamSettings : ISettingsSection
{
    public static string Section => "Streams";

    /// <summary>Number of PostgreSQL queues the stream is spread over, pulled in parallel across silos.</summary>
    [Range(1, 256)]
    public int Queues { get; set; } = 8;

    /// <summary>Claims of one message that may expire (its silo died holding it, or could not read it) before it is moved to the dead letters.</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 20;

    /// <summary>How long a claimed message stays invisible to other pulls before it is retried.</summary>
    [Range(5, 3600)]
    public int VisibilityTimeoutSeconds { get; set; } = 60;

    /// <summary>How long dead letters are kept for inspection.</summary>
    [Range(60, 365 * 24 * 3600)]
    public int DeadLetterRetentionSeconds { get; set; } = 14 * 24 * 3600;

    /// <summary>Messages read at most per pull, and events handed to a consumer per call.</summary>
    [Range(1, 10_000)]
    public int PullBatchSize { get; set; } = 256;

    /// <summary>
    /// How often a pulling agent asks its queue for messages. Cheap: the database is read only
    /// when PostgreSQL notified that the queue received messages (or at the fallback poll).
    /// </summary>
    [Range(1, 60_000)]
    public int PullIntervalMilliseconds { get; set; } = 10;

    /// <summary>How often an idle queue is read anyway (a notification lost while the listener reconnected).</summary>
    [Range(100, 600_000)]
    public int FallbackPollMilliseconds { get; set; } = 1000;

    /// <summary>
    /// Routing yields to commits: while a silo commits this many entity changes or more per commit on
    /// average (callers queue for it: a burst), its reads of the queues for routing wait for the
    /// burst to end, up to <see cref="RoutingYieldMaxMilliseconds"/> per read. 0 turns it off.
    /// </summary>
    [Range(0, 512)]
    public int RoutingYieldBatch { get; set; } = 4;

    /// <summary>The longest one read of a queue waits for a burst of entity changes to end.</summary>
    [Range(1, 10_000)]
    public int RoutingYieldMaxMilliseconds { get; set; } = 2000;

    /// <summary>
    /// Only for the messages an earlier version left in Orleans' ADO.NET stream table: how long
    /// such a message may wait before it is dead-lettered.
    /// </summary>
    [Range(60, 30 * 24 * 3600)]
    public int ExpirySeconds { get; set; } = 7 * 24 * 3600;

    // The durations above in the unit the queue works in.
    public TimeSpan VisibilityTimeout => TimeSpan.FromSeconds(VisibilityTimeoutSeconds);

    public TimeSpan FallbackPoll => TimeSpan.FromMilliseconds(FallbackPollMilliseconds);

    public TimeSpan DeadLetterRetention => TimeSpan.FromSeconds(DeadLetterRetentionSeconds);

    public TimeSpan RoutingYieldMax => TimeSpan.FromMilliseconds(RoutingYieldMaxMilliseconds);
}
