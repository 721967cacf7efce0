namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

public enum BackfillStatus
{
    Running,
    Completed,
    Cancelled,
}

/// <summary>
/// A backfill of a subscription: the current state of every entity it selects, queued as
/// <c>entity:&lt;resource&gt;:backfill</c> events in id order (<see cref="AfterId"/> is how far it
/// got). Entities that changed while being read are read again at the end, a pass at a time
/// (<see cref="Deferred"/>: the current pass; <see cref="DeferredNext"/>: the next).
/// </summary>
[GenerateSerializer, Immutable, Alias("es.BackfillProgress")]
public sealed record BackfillProgress
{
    [Id(0)] public required BackfillStatus Status { get; init; }
    [Id(1)] public required DateTimeOffset StartedOn { get; init; }
    [Id(2)] public DateTimeOffset? FinishedOn { get; init; }
    [Id(3)] public long AfterId { get; init; }

    /// <summary>Entities read so far (each once, however often it was deferred).</summary>
    [Id(4)] public long EntitiesRead { get; init; }

    /// <summary>Snapshots queued (the entities the subscription's scope and filters selected).</summary>
    [Id(5)] public long Queued { get; init; }

    [Id(6)] public long[] Deferred { get; init; } = [];

    [Id(10)] public long[] DeferredNext { get; init; } = [];

    /// <summary>How many passes over the deferred entities began.</summary>
    [Id(7)] public int DeferredRounds { get; init; }

    /// <summary>Entities left out because they kept changing while read (their live events carry their state).</summary>
    [Id(8)] public long SkippedChanging { get; init; }

    /// <summary>How many entities the resource had when the backfill started (an estimate of the work).</summary>
    [Id(9)] public long Total { get; init; }
}
