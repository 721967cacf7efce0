using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Entities;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Tenants;
using EventsSubscriptions.Grains.Regions;
using EventsSubscriptions.Grains.Routing;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// A subscription's backfill: the current state of every entity it selects, queued as
/// <c>entity:&lt;resource&gt;:backfill</c> events, a chunk at a time in id order, paced behind the
/// live deliveries (a chunk is queued only while fewer than <see cref="PendingLimit"/> deliveries
/// wait). A snapshot never overtakes a live change, nor is overtaken by an older one:
/// <list type="bullet">
/// <item>a chunk read at time T is queued only once the event queue holds no event written at or
/// before T, so every event the read saw was routed and, if it matched, queued here before the
/// snapshot;</item>
/// <item>an entity whose stored sequence moved since the read is not queued then (its newer
/// event may be on its way, or sent): it is read again at the end;</item>
/// <item>the check of sequences and the queueing of the chunk hold the enqueue gate, which live
/// events take while a backfill runs (<see cref="QueueLiveAsync"/>): a change committed after the
/// check is queued after the snapshot, and an entity's deliveries go out in its sequence order.</item>
/// </list>
/// Its progress is in the subscription's state; the grain saves it.
/// </summary>
internal sealed class SubscriptionBackfill(
    SubscriptionContext subscription,
    Func<CancellationToken, Task> save,
    Func<EntityEvent[], Task<bool>> queue,
    Func<long> pendingDeliveries,
    EntityRows entities,
    RegionPaths regions,
    TimeProvider clock)
{
    public const string Reminder = "backfill";

    /// <summary>Entities read per chunk.</summary>
    internal const int Chunk = 100;

    /// <summary>A chunk is queued only while fewer deliveries than this wait: live ones are never held back by more.</summary>
    internal const int PendingLimit = 200;

    /// <summary>Entities that kept changing through this many rounds of reading again are left to their live events.</summary>
    private const int DeferredRounds = 10;

    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    private readonly SubscriptionReminder reminder = new(subscription, Reminder);
    private readonly SemaphoreSlim enqueueGate = new(1, 1);
    private IGrainTimer? timer;
    private (IReadOnlyList<EntityRow> Rows, DateTimeOffset ReadOn, bool Deferred)? chunk;

    /// <summary>Live enqueues under way that did not take the gate (started before the backfill ran).</summary>
    private int ungatedEnqueues;

    /// <summary>Whether this activation's reads passed the last entity (a new activation reads on from <see cref="BackfillProgress.AfterId"/>: one cheap read).</summary>
    private bool reachedEnd;

    private SubscriptionState State => subscription.State;

    public bool Running => State.Backfill?.Status == BackfillStatus.Running;

    /// <summary>Counts what the subscription selects now and starts; the caller checked none runs.</summary>
    public async Task BeginAsync(SubscriptionSpec spec)
    {
        var total = await entities.CountAsync(Tenants.Qualify(subscription.Tenant, spec.Resource));
        State.Backfill = new BackfillProgress { Status = BackfillStatus.Running, StartedOn = clock.GetUtcNow(), Total = total };
        await save(CancellationToken.None);
        chunk = null;
        reachedEnd = false;
        await StartAsync();
    }

    /// <summary>Live events: gated while a backfill runs, so that a chunk's check-and-queue and they go one at a time.</summary>
    public async Task<bool> QueueLiveAsync(EntityEvent[] entityEvents)
    {
        if (!Running)
        {
            ungatedEnqueues++;
            try
            {
                return await queue(entityEvents);
            }
            finally
            {
                ungatedEnqueues--;
            }
        }
        await enqueueGate.WaitAsync();
        try
        {
            return await queue(entityEvents);
        }
        finally
        {
            enqueueGate.Release();
        }
    }

    /// <summary>The timer that reads and queues chunks, and the reminder that brings it back after a crash.</summary>
    public async Task StartAsync()
    {
        timer ??= subscription.Grain.RegisterGrainTimer(StepAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = Period,
            // Not interleaved with the grain's calls; live events interleave, and meet the gate.
            Interleave = false,
            KeepAlive = true,
        });
        await reminder.EnsureAsync();
    }

    public async Task FinishAsync(BackfillStatus status)
    {
        Stop(status);
        await save(CancellationToken.None);
        await DropReminderAsync();
    }

    /// <summary>Ends a running backfill in the state (not saved here) and stops its timer.</summary>
    public void Stop(BackfillStatus status = BackfillStatus.Cancelled)
    {
        timer?.Dispose();
        timer = null;
        chunk = null;
        if (Running)
        {
            State.Backfill = State.Backfill! with { Status = status, FinishedOn = clock.GetUtcNow() };
        }
    }

    public Task DropReminderAsync() => reminder.DropAsync();

    private async Task StepAsync(CancellationToken cancellationToken)
    {
        if (State.Spec is not { } spec || !Running || State.Status == SubscriptionStatus.Archived)
        {
            if (Running)
            {
                await FinishAsync(BackfillStatus.Cancelled);
            }
            return;
        }
        if (pendingDeliveries() >= PendingLimit)
        {
            // Paced: the live deliveries and the chunks queued before go first.
            return;
        }
        var resource = Tenants.Qualify(subscription.Tenant, spec.Resource);
        if (chunk is { } read)
        {
            // Every event committed before the read must be routed (and queued here) first; and
            // the live enqueues that started before the backfill must be done.
            if (ungatedEnqueues > 0 || await entities.QueuedSinceBeforeAsync(read.ReadOn, cancellationToken))
            {
                return;
            }
            await enqueueGate.WaitAsync(cancellationToken);
            try
            {
                await QueueChunkAsync(spec, resource, read.Rows, read.Deferred, cancellationToken);
            }
            finally
            {
                enqueueGate.Release();
            }
            chunk = null;
            await save(cancellationToken);
        }
        await ReadChunkAsync(resource, cancellationToken);
    }

    /// <summary>Queues the chunk's entities that did not change since the read and that the subscription selects.</summary>
    private async Task QueueChunkAsync(SubscriptionSpec spec, string resource, IReadOnlyList<EntityRow> rows, bool deferredRound,
        CancellationToken cancellationToken)
    {
        var progress = State.Backfill!;
        var now = clock.GetUtcNow();
        var current = await entities.SequencesAsync(resource, [.. rows.Select(r => r.Id)], cancellationToken);
        var route = SubscriptionRoute.From(subscription.Id, spec, State.Status);
        var events = new List<EntityEvent>();
        var deferred = new List<long>(progress.DeferredNext);
        foreach (var row in rows)
        {
            if (!current.TryGetValue(row.Id, out var sequence))
            {
                // Deleted since the read: its delete event says so.
                continue;
            }
            if (sequence != row.Sequence)
            {
                deferred.Add(row.Id);
                continue;
            }
            var entity = JsonNode.Parse(row.Snapshot)!.AsObject();
            var path = await regions.OfEntityAsync(subscription.Tenant, spec.Resource, row.Id, entity);
            if (RouteSelection.Selects(route, path, new EntityFields(entity)))
            {
                events.Add(new EntityEvent(Guid.CreateVersion7().ToString(), spec.Resource, EntityTriggers.Backfill, row.Id, path, row.Snapshot, now, null, row.Sequence));
            }
        }
        if (events.Count > 0)
        {
            await queue([.. events]);
        }
        State.Backfill = progress with
        {
            AfterId = deferredRound ? progress.AfterId : Math.Max(progress.AfterId, rows.Count > 0 ? rows[^1].Id : 0),
            EntitiesRead = progress.EntitiesRead + (deferredRound ? 0 : rows.Count),
            Queued = progress.Queued + events.Count,
            DeferredNext = [.. deferred],
        };
    }

    /// <summary>
    /// Reads the next chunk in id order; past the last entity, the deferred ones, a pass at a time
    /// (those deferred again wait for the next pass); ends the backfill when nothing is left.
    /// </summary>
    private async Task ReadChunkAsync(string resource, CancellationToken cancellationToken)
    {
        var progress = State.Backfill!;
        if (!reachedEnd)
        {
            var (rows, readOn) = await entities.ReadAsync(resource, progress.AfterId, Chunk, cancellationToken);
            if (rows.Count > 0)
            {
                chunk = (rows, readOn, false);
                return;
            }
            reachedEnd = true;
        }
        if (progress.Deferred.Length == 0 && progress.DeferredNext.Length > 0 && progress.DeferredRounds < DeferredRounds)
        {
            progress = progress with { Deferred = progress.DeferredNext, DeferredNext = [], DeferredRounds = progress.DeferredRounds + 1 };
        }
        if (progress.Deferred.Length > 0)
        {
            var (rows, readOn) = await entities.ReadIdsAsync(resource, [.. progress.Deferred.Take(Chunk)], cancellationToken);
            // The ones read now leave the pass (those that changed again join the next one; deleted ones are gone).
            State.Backfill = progress with { Deferred = [.. progress.Deferred.Skip(Chunk)] };
            chunk = (rows, readOn, true);
            return;
        }
        State.Backfill = progress with { SkippedChanging = progress.DeferredNext.Length, DeferredNext = [] };
        await FinishAsync(BackfillStatus.Completed);
    }
}
