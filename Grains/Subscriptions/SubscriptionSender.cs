using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Persistence;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// A subscription's sender. An interleaving grain timer (the pump) takes the due head of each
/// entity's queue, up to maxInFlight requests at once, and calls the receiver without holding the
/// grain's mailbox. Each attempt is recorded before the entity's next delivery goes; the request's
/// slot is free as soon as the answer is in, so a record holds back only its own entity. The
/// pending deliveries held in memory are a window (<see cref="DeliveryWindow"/>); the others wait
/// in the outbox. A reminder brings the grain back after a restart while deliveries are pending
/// (<see cref="SubscriptionReminder"/>).
/// </summary>
internal sealed partial class SubscriptionSender(SubscriptionContext subscription, DeliveryServices services)
{
    public const string Reminder = "deliveries";

    /// <summary>Entities answered and waiting for their records, per request slot (bounds what a crash could send twice).</summary>
    private const int RecordingPerSlot = 4;
    private static readonly TimeSpan PumpPeriod = TimeSpan.FromSeconds(1);

    private readonly DeliveryWindow window = services.Windows.Create();
    private readonly DeliveryRateLimiter rate = new();
    private readonly AttemptRecorder recorder = new(subscription, services);
    private readonly SubscriptionReminder reminder = new(subscription, Reminder);
    private IGrainTimer? pump;

    /// <summary>Kept in memory, read back from the outbox on activation: no state write per delivery.</summary>
    public long Pending { get; private set; }
    public DateTimeOffset? LastTriggeredOn { get; private set; }
    public HealthTracker Health { get; } = new(subscription, services);

    private DeliveryQueue Queue => window.Queue;
    private long Id => subscription.Id;

    public Interfaces.Operations.SubscriptionStateView StateView(SubscriptionView? view, int projectedVersion, DateTimeOffset? failingSince) =>
        new(view, Queue.Count, Queue.InFlight, pump is not null, reminder.Held, projectedVersion, failingSince, Queue.Bytes);

    /// <summary>Reads how many deliveries wait; ends those an archive left pending.</summary>
    public async Task ActivateAsync(CancellationToken cancellationToken)
    {
        (var pending, LastTriggeredOn) = await services.Store.ReadQueueAsync(Id, cancellationToken);
        Pending = pending;
        if (Pending > 0 && subscription.State.Status == SubscriptionStatus.Archived)
        {
            // Left pending by a call under way when it was archived whose record failed: ended now.
            await services.Store.CancelPendingAsync(Id, services.Clock.GetUtcNow(), [], cancellationToken);
            Pending = 0;
        }
        if (Pending == 0)
        {
            StartEmpty();
        }
    }

    /// <summary>Nothing waits on disk: the deliveries queued from now on are held without a read.</summary>
    public void StartEmpty() => window.StartEmpty();

    /// <summary>Queues deliveries already built, in this order; false for none (all were queued before).</summary>
    public async Task QueueAsync(IReadOnlyList<OutboxRow> rows)
    {
        // The writer may commit them in several batches: a read may take (and send) the first ones
        // before the last is in; the window then does not hold them a second time.
        var writing = window.Writing(rows.Select(row => row.EventId));
        var added = 0;
        try
        {
            // The outbox keeps their order.
            var queued = await Task.WhenAll(rows.Select(services.Store.AppendAsync));
            for (var i = 0; i < rows.Count; i++)
            {
                // False: the subscription had the event queued already (a re-delivered event).
                if (!queued[i])
                {
                    continue;
                }
                // Held in memory if the window has room, else it waits on disk for a read.
                window.Offer(new PendingDelivery
                {
                    EventId = rows[i].EventId, EventName = rows[i].EventName, EntityKey = rows[i].EntityKey,
                    EntitySequence = rows[i].EntitySequence, Body = rows[i].Body(), TraceParent = rows[i].TraceParent,
                });
                added++;
            }
        }
        finally
        {
            window.Written(writing);
        }
        if (added > 0)
        {
            CountPending(Pending + added);
            services.Metrics.DeliveryQueued(added, subscription.Tenant);
            LastTriggeredOn = services.Clock.GetUtcNow();
            await EnsureSendingAsync();
        }
    }

    /// <summary>Puts back in the queue what <paramref name="requeued"/> rows of the outbox hold again (replay, retry).</summary>
    public async Task RequeuedAsync(int requeued)
    {
        Pending += requeued;
        services.Metrics.Pending(requeued);
        // Read again from the outbox's beginning; deliveries held already are not queued twice.
        window.ReadFromStart();
        await EnsureSendingAsync();
    }

    /// <summary>A delivery retried by hand: due at once if held already, else read again from the outbox.</summary>
    public async Task RetriedAsync(string eventId, DeliveryState previous)
    {
        if (previous == DeliveryState.Pending)
        {
            // Held in memory already (or read with a later read of the window): due at once.
            Queue.MakeDue(eventId);
            await EnsureSendingAsync();
        }
        else
        {
            await RequeuedAsync(1);
        }
        pump?.Change(TimeSpan.Zero, PumpPeriod);
    }

    public async Task ReminderTickAsync()
    {
        // Suspended: nothing goes out, and nothing needs to keep the grain; enable registers it again.
        if (!subscription.Active || Pending == 0)
        {
            await StopAsync();
            return;
        }
        await EnsureSendingAsync();
    }

    /// <summary>The held deliveries' memory goes back to the silo; they wait in the outbox.</summary>
    public void Release() => window.Release();

    /// <summary>
    /// Cancels every pending delivery (archive). A delivery whose call is under way is left to end
    /// with its own answer, so that it has one outcome: a success stays a success, and an attempt
    /// that would be tried again is recorded as cancelled (<see cref="AttemptRecorder"/>).
    /// </summary>
    public async Task CancelAllAsync()
    {
        var taken = Queue.TakenEventIds();
        window.Release();
        await services.Store.CancelPendingAsync(Id, services.Clock.GetUtcNow(), taken);
        CountPending(taken.Count);
        await StopAsync();
    }

    public async Task EnsureSendingAsync()
    {
        if (!subscription.Active || Pending == 0)
        {
            return;
        }
        // The pump first: it interleaves, so the first calls go out while the reminder is being
        // registered (a new subscription's first deliveries do not wait for the reminder table).
        if (pump is null)
        {
            pump = subscription.Grain.RegisterGrainTimer(PumpAsync, new GrainTimerCreationOptions
            {
                DueTime = TimeSpan.Zero, Period = PumpPeriod, Interleave = true, KeepAlive = true,
            });
        }
        else
        {
            pump.Change(TimeSpan.Zero, PumpPeriod);
        }
        // Awaited all the same: a caller queueing deliveries returns (and the stream lets its
        // events go) only once the reminder that brings this grain back after a crash is held.
        await reminder.EnsureAsync();
    }

    /// <summary>Stops the pump; the reminder is dropped only by its own tick, when nothing is pending.</summary>
    private void StopPump()
    {
        pump?.Dispose();
        pump = null;
    }

    private async Task StopAsync()
    {
        StopPump();
        await reminder.DropAsync();
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        if (!subscription.Active)
        {
            // Suspended or archived: nothing goes out; enable starts the pump again.
            StopPump();
            return;
        }
        // Not awaited here: the pump sends while a registration is under way (its caller waits).
        _ = reminder.EnsureAsync();
        if (window.BeginRead() is { } read)
        {
            WindowPage page;
            try
            {
                page = await services.Store.ReadWindowAsync(Id, read, cancellationToken);
            }
            catch
            {
                window.AbandonRead();
                throw;
            }
            if (window.EndRead(page))
            {
                // Read from the beginning: the window holds every pending delivery, so its count is
                // the subscription's (mends a count that drifted).
                CountPending(Queue.Count);
            }
            if (!subscription.Active)
            {
                // Suspended or archived during the read.
                StopPump();
                return;
            }
        }
        if (Queue.Count == 0)
        {
            if (Pending > 0)
            {
                // More wait on disk (the next tick reads them), or the count is off: read again
                // from the beginning, which settles it.
                if (window.Complete)
                {
                    window.ReadFromStart();
                }
                return;
            }
            // Drained. The reminder stays until its next tick finds nothing pending: queues that
            // drain and refill all the time do not write the reminder table each time.
            StopPump();
            return;
        }
        if (!services.Webhooks.MayDeliver)
        {
            // This silo may be cut off and declared dead: the next tick looks again.
            return;
        }
        var delivery = subscription.State.Spec!.Delivery;
        var now = services.Clock.GetUtcNow();
        var room = Math.Min(Queue.Room(delivery.MaxInFlight, delivery.MaxInFlight * (1 + RecordingPerSlot)),
            rate.Allowance(delivery.MaxPerSecond, now));
        foreach (var due in Queue.TakeDue(now, room))
        {
            rate.Take();
            _ = AttemptAsync(subscription.State.Spec!, due);
        }
    }

    private void CountPending(long count)
    {
        services.Metrics.Pending(count - Pending);
        Pending = count;
    }
}
