using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Entities;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using EventsSubscriptions.Grains.Interfaces.Tenants;
using Microsoft.Extensions.DependencyInjection;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// Backfill: the current state of every entity the subscription selects, queued as
/// <c>entity:&lt;resource&gt;:backfill</c> events, a chunk at a time in id order, paced behind the
/// live deliveries (a chunk is queued only while fewer than <see cref="BackfillPendingLimit"/>
/// deliveries wait). A snapshot never overtakes a live change, nor is overtaken by an older one:
/// <list type="bullet">
/// <item>a chunk read at time T is queued only once the event queue holds no event written at or
/// before T, so every event the read saw was routed and, if it matched, queued here before the
/// snapshot;</item>
/// <item>an entity whose stored sequence moved since the read is not queued then (its newer
/// event may be on its way, or sent): it is read again at the end;</item>
/// <item>the check of sequences and the queueing of the chunk hold the grain's enqueue gate,
/// which live events take while a backfill runs: a change committed after the check is queued
/// after the snapshot, and an entity's deliveries go out in its sequence order.</item>
/// </list>
/// </summary>
public sealed partial class SubscriptionGrain
{
    private const string BackfillReminder = "backfill";
    public const string BackfillTrigger = "backfill";

    /// <summary>Entities read per chunk.</summary>
    internal const int BackfillChunk = 100;

    /// <summary>A chunk is queued only while fewer deliveries than this wait: live ones are never held back by more.</summary>
    internal const int BackfillPendingLimit = 200;

    /// <summary>Entities that kept changing through this many rounds of reading again are left to their live events.</summary>
    private const int BackfillDeferredRounds = 10;

    private static readonly TimeSpan BackfillPeriod = TimeSpan.FromMilliseconds(250);

    private IGrainTimer? backfillTimer;
    private (IReadOnlyList<EntityRow> Rows, DateTimeOffset ReadOn, bool Deferred)? backfillChunk;

    /// <summary>Taken by live events while a backfill runs, and by a backfill's check-and-queue.</summary>
    private readonly SemaphoreSlim enqueueGate = new(1, 1);

    /// <summary>Live enqueues under way that did not take the gate (started before the backfill ran).</summary>
    private int ungatedEnqueues;

    private EntityRows Rows => ServiceProvider.GetRequiredService<EntityRows>();

    private bool BackfillRunning => S.Backfill?.Status == BackfillStatus.Running;

    public async Task<SubscriptionResult> BackfillAsync()
    {
        if (S.Spec is not { } spec)
        {
            return SubscriptionResult.Fail(SubscriptionOutcome.NotFound, $"no subscription {Id}");
        }
        if (S.Status == SubscriptionStatus.Archived)
        {
            return NotAllowed("backfill");
        }
        if (BackfillRunning)
        {
            return SubscriptionResult.Fail(SubscriptionOutcome.StatusConflict,
                $"a backfill of subscription {Id} is under way (started {S.Backfill!.StartedOn:O}); cancel it first");
        }
        var total = await Rows.CountAsync(Tenants.Qualify(Tenant, spec.Resource));
        S.Backfill = new BackfillProgress { Status = BackfillStatus.Running, StartedOn = clock.GetUtcNow(), Total = total };
        await state.WriteStateAsync();
        backfillChunk = null;
        reachedEnd = false;
        await StartBackfillAsync();
        return SubscriptionResult.Ok(View());
    }

    public async Task<SubscriptionResult> CancelBackfillAsync()
    {
        if (S.Spec is null)
        {
            return SubscriptionResult.Fail(SubscriptionOutcome.NotFound, $"no subscription {Id}");
        }
        if (!BackfillRunning)
        {
            return SubscriptionResult.Fail(SubscriptionOutcome.StatusConflict, $"subscription {Id} has no backfill under way");
        }
        await FinishBackfillAsync(BackfillStatus.Cancelled);
        return SubscriptionResult.Ok(View());
    }

    /// <summary>The timer that reads and queues chunks, and the reminder that brings it back after a crash.</summary>
    private async Task StartBackfillAsync()
    {
        backfillTimer ??= this.RegisterGrainTimer(BackfillStepAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = BackfillPeriod,
            // Not interleaved with the grain's calls; live events interleave, and meet the gate.
            Interleave = false,
            KeepAlive = true,
        });
        try
        {
            await this.RegisterOrUpdateReminder(BackfillReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        catch (Exception e)
        {
            // The timer runs all the same; only a crash before the reminder holds would pause the backfill until the next call.
            logger.ReminderNotRegistered(e, Id);
        }
    }

    private async Task FinishBackfillAsync(BackfillStatus status)
    {
        StopBackfill(status);
        await state.WriteStateAsync();
        await DropBackfillReminderAsync();
    }

    /// <summary>Ends a running backfill in the state (not saved here) and stops its timer.</summary>
    private void StopBackfill(BackfillStatus status = BackfillStatus.Cancelled)
    {
        backfillTimer?.Dispose();
        backfillTimer = null;
        backfillChunk = null;
        if (BackfillRunning)
        {
            S.Backfill = S.Backfill! with { Status = status, FinishedOn = clock.GetUtcNow() };
        }
    }

    private async Task DropBackfillReminderAsync()
    {
        try
        {
            if (await this.GetReminder(BackfillReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception e)
        {
            logger.ReminderNotRemoved(e, Id);
        }
    }

    private async Task BackfillStepAsync(CancellationToken cancellationToken)
    {
        if (S.Spec is not { } spec || !BackfillRunning || S.Status == SubscriptionStatus.Archived)
        {
            if (BackfillRunning)
            {
                await FinishBackfillAsync(BackfillStatus.Cancelled);
            }
            return;
        }
        if (pendingDeliveries >= BackfillPendingLimit)
        {
            // Paced: the live deliveries and the chunks queued before go first.
            return;
        }
        var resource = Tenants.Qualify(Tenant, spec.Resource);
        if (backfillChunk is { } chunk)
        {
            // Every event committed before the read must be routed (and queued here) first; and
            // the live enqueues that started before the backfill must be done.
            if (ungatedEnqueues > 0 || await Rows.QueuedSinceBeforeAsync(chunk.ReadOn, cancellationToken))
            {
                return;
            }
            await enqueueGate.WaitAsync(cancellationToken);
            try
            {
                await QueueChunkAsync(spec, resource, chunk.Rows, chunk.Deferred, cancellationToken);
            }
            finally
            {
                enqueueGate.Release();
            }
            backfillChunk = null;
            await state.WriteStateAsync(cancellationToken);
        }
        await ReadChunkAsync(resource, cancellationToken);
    }

    /// <summary>Queues the chunk's entities that did not change since the read and that the subscription selects.</summary>
    private async Task QueueChunkAsync(SubscriptionSpec spec, string resource, IReadOnlyList<EntityRow> rows, bool deferredRound,
        CancellationToken cancellationToken)
    {
        var progress = S.Backfill!;
        var now = clock.GetUtcNow();
        var current = await Rows.SequencesAsync(resource, [.. rows.Select(r => r.Id)], cancellationToken);
        var route = SubscriptionRoute.From(Id, spec, S.Status);
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
            var path = await ServiceProvider.GetRequiredService<Regions.RegionPaths>().OfEntityAsync(Tenant, spec.Resource, row.Id, entity);
            if (Routing.RouteSelection.Selects(route, path, new Routing.EntityFields(entity)))
            {
                events.Add(new EntityEvent(Guid.CreateVersion7().ToString(), spec.Resource, BackfillTrigger, row.Id, path, row.Snapshot, now, null, row.Sequence));
            }
        }
        if (events.Count > 0)
        {
            await QueueEventsAsync([.. events]);
        }
        S.Backfill = progress with
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
        var progress = S.Backfill!;
        if (!reachedEnd)
        {
            var (rows, readOn) = await Rows.ReadAsync(resource, progress.AfterId, BackfillChunk, cancellationToken);
            if (rows.Count > 0)
            {
                backfillChunk = (rows, readOn, false);
                return;
            }
            reachedEnd = true;
        }
        if (progress.Deferred.Length == 0 && progress.DeferredNext.Length > 0 && progress.DeferredRounds < BackfillDeferredRounds)
        {
            progress = progress with { Deferred = progress.DeferredNext, DeferredNext = [], DeferredRounds = progress.DeferredRounds + 1 };
        }
        if (progress.Deferred.Length > 0)
        {
            var (rows, readOn) = await Rows.ReadIdsAsync(resource, [.. progress.Deferred.Take(BackfillChunk)], cancellationToken);
            // The ones read now leave the pass (those that changed again join the next one; deleted ones are gone).
            S.Backfill = progress with { Deferred = [.. progress.Deferred.Skip(BackfillChunk)] };
            backfillChunk = (rows, readOn, true);
            return;
        }
        S.Backfill = progress with { SkippedChanging = progress.DeferredNext.Length, DeferredNext = [] };
        await FinishBackfillAsync(BackfillStatus.Completed);
    }

    /// <summary>Whether this activation's reads passed the last entity (a new activation reads on from <see cref="BackfillProgress.AfterId"/>: one cheap read).</summary>
    private bool reachedEnd;
}
