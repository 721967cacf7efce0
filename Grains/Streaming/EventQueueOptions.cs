namespace EventsSubscriptions.Grains.Streaming;

/// <summary>The event queue's settings, from the silo's <c>Streams</c> section.</summary>
public sealed class EventQueueOptions
{
    /// <summary>Queues the stream is spread over; each is pulled by one silo at a time.</summary>
    public int Queues { get; init; } = 8;

    /// <summary>
    /// Claims of a message that may expire (a silo took it and neither confirmed it nor handed it
    /// back: it died, or could not read the message) before it moves to the dead letters. A failed
    /// delivery hands the message back and spends no attempt.
    /// </summary>
    public int MaxAttempts { get; init; } = 20;

    /// <summary>How long a claimed message stays invisible to other pulls (a silo that died holding it).</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Messages claimed at most per pull.</summary>
    public int PullBatchSize { get; init; } = 256;

    /// <summary>
    /// How often an idle queue is read when no notification arrived (the notifications of
    /// PostgreSQL wake the pulls at once; this only bounds a lost notification's cost).
    /// </summary>
    public TimeSpan FallbackPoll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Routing yields to commits: while this silo's entity changes are committed this many or more to a
    /// commit on average (a burst), a read of a queue for routing waits for the burst to end, up to
    /// <see cref="RoutingYieldMax"/>. 0: reads never wait.
    /// </summary>
    public double RoutingYieldAt { get; init; } = 4;

    /// <summary>The longest a read of a queue waits for a burst of entity changes to end.</summary>
    public TimeSpan RoutingYieldMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long dead letters are kept for inspection.</summary>
    public TimeSpan DeadLetterRetention { get; init; } = TimeSpan.FromDays(14);
}
