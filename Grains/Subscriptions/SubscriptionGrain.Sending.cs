using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Webhooks;
using EventsSubscriptions.Grains.Notifications;
using EventsSubscriptions.Grains.Persistence;

namespace EventsSubscriptions.Grains.Subscriptions;

// The grain's side of sending: events queued, hand-made calls (test, replay, retry), and the
// calls its sender makes back through the mailbox to change the state (ISubscriptionSenderControl).
public sealed partial class SubscriptionGrain
{
    public Task<bool> EnqueueAsync(EntityEvent entityEvent) => EnqueueManyAsync([entityEvent]);

    /// <summary>Live events; while a backfill runs they meet its gate (<see cref="SubscriptionBackfill"/>).</summary>
    public Task<bool> EnqueueManyAsync(EntityEvent[] entityEvents) => Backfill.QueueLiveAsync(entityEvents);

    private async Task<bool> QueueEventsAsync(EntityEvent[] entityEvents)
    {
        if (Current.Spec is not { } spec || Current.Status == SubscriptionStatus.Archived)
        {
            return false;
        }
        var now = Clock.GetUtcNow();
        var rows = new List<OutboxRow>(entityEvents.Length);
        foreach (var entityEvent in entityEvents)
        {
            // The webhook body, built once (WebhookBodies): its data shared with the subscriptions that shape the event alike.
            var data = await WebhookBodies.DataAsync(GrainFactory, requests.Relations, Tenant, spec, entityEvent);
            rows.Add(new OutboxRow(Id, $"{entityEvent.Resource}/{entityEvent.EntityId}", entityEvent.Sequence,
                WebhookMeta.Of(Id, spec, entityEvent.Name, entityEvent.EventId, entityEvent.OccurredOn, entityEvent.ActionBody), data,
                WebhookBodies.SharedShape(spec, entityEvent.EventId, now), now, entityEvent.TraceParent));
        }
        await Sender.QueueAsync(rows);
        return true;
    }

    /// <summary>
    /// Queues the events a router could not hand to this subscription and kept in its dead letters.
    /// One that still fails stays there for the next activation: it never makes this one fail.
    /// </summary>
    private async Task RequeueRoutingDeadLettersAsync(CancellationToken cancellationToken)
    {
        foreach (var entityEvent in await deadLetters.ReadAsync(Id, cancellationToken))
        {
            try
            {
                await EnqueueAsync(entityEvent);
                await deadLetters.RemoveAsync(Id, entityEvent.EventId, cancellationToken);
                logger.DeadLetterRequeued(Id, entityEvent.EventId);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.DeadLetterKept(e, Id, entityEvent.EventId);
            }
        }
    }

    /// <summary>
    /// Health saved by a version that could mix subscriptions' health up is derived again from
    /// this subscription's own delivery log, once, and saved with the listing's copy.
    /// </summary>
    private async Task RepairHealthAsync(CancellationToken cancellationToken)
    {
        var (repaired, failingSince) = await readModel.HealthFromLogAsync(Id, Current.CreatedOn, cancellationToken);
        if (repaired != Current.Health with { PendingDeliveries = 0 })
        {
            logger.HealthRepaired(Id, Current.Health, repaired);
        }
        Current.Health = repaired;
        Current.FailingSince = failingSince;
        Current.HealthRepairVersion = SubscriptionState.CurrentHealthRepair;
        await state.WriteStateAsync(cancellationToken);
        await readModel.ProjectHealthNowAsync(Id, repaired with { PendingDeliveries = Sender.Pending }, cancellationToken);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != SubscriptionBackfill.Reminder)
        {
            await Sender.ReminderTickAsync();
        }
        else if (!BackfillRunning)
        {
            // Activation resumed a running backfill; one that ended drops its reminder here.
            await Backfill.DropReminderAsync();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        sender?.Release();
        // The counters changed since the last save are kept on a graceful deactivation or shutdown;
        // not after a failed call, whose unsaved changes must be dropped (DeactivateOnFailureFilter).
        if (sender is null || Current.Spec is null || Current.Health == sender.Health.Current
            || reason.ReasonCode == DeactivationReasonCode.ApplicationError)
        {
            return;
        }
        try
        {
            Current.Health = sender.Health.Current;
            await state.WriteStateAsync(cancellationToken);
        }
        catch (Exception e)
        {
            logger.HealthNotSaved(e, Id);
        }
    }

    public async Task<TestCallResult> TestAsync()
    {
        if (Current.Spec is not { } spec)
        {
            return new TestCallResult(SubscriptionOutcome.NotFound, null, null);
        }
        if (Current.Status == SubscriptionStatus.Archived)
        {
            return new TestCallResult(SubscriptionOutcome.StatusConflict, null, NotAllowedDetail("test"));
        }
        var entry = await new TestCall(Id, delivery).SendAsync(spec, Secrets);
        return new TestCallResult(SubscriptionOutcome.Ok, entry, null);
    }

    public async Task<ReplayResult> ReplayAsync(DateTimeOffset since, DateTimeOffset? until, bool onlyFailed)
    {
        if (Current.Spec is null)
        {
            return new ReplayResult(SubscriptionOutcome.NotFound, 0, null, null);
        }
        if (Current.Status == SubscriptionStatus.Archived)
        {
            return new ReplayResult(SubscriptionOutcome.StatusConflict, 0, null, NotAllowedDetail("replay"));
        }
        var requeued = await delivery.Store.RequeueAsync(Id, since, until, onlyFailed);
        if (requeued > 0)
        {
            await Sender.RequeuedAsync(requeued);
        }
        return new ReplayResult(SubscriptionOutcome.Ok, requeued, View(), null);
    }

    public async Task<DeliveryRetry> RetryDeliveryAsync(string eventId)
    {
        if (Refusal(null) is { } refused)
        {
            return new DeliveryRetry(refused.Outcome, null, refused.Outcome == SubscriptionOutcome.NotFound ? null : refused.Detail);
        }
        if (await delivery.Store.RetryOneAsync(Id, eventId) is not { } previous)
        {
            // A detail: the subscription exists, the delivery does not (the gateway words the two apart).
            return new DeliveryRetry(SubscriptionOutcome.NotFound, null, $"subscription {Id} has no delivery of event {eventId}");
        }
        await Sender.RetriedAsync(eventId, previous);
        var detail = Current.Status == SubscriptionStatus.Suspended
            ? $"queued; subscription {Id} is suspended and sends nothing until it is enabled"
            : null;
        return new DeliveryRetry(SubscriptionOutcome.Ok, previous, detail);
    }

    public async Task SaveHealthAsync(SubscriptionHealth saved, DateTimeOffset? failingSince)
    {
        if (Current.Spec is null || (Current.Health == saved && Current.FailingSince == failingSince))
        {
            return;
        }
        Current.Health = saved;
        Current.FailingSince = failingSince;
        await state.WriteStateAsync();
    }

    public async Task<bool> SuspendForDeliveryAsync(string reason)
    {
        if (Current.Spec is null || Current.Status != SubscriptionStatus.Active)
        {
            return false;
        }
        logger.Suspended(Id, reason);
        await SuspendAsync(reason);
        return true;
    }

    public async Task<bool> ClaimExhaustedMailAsync()
    {
        var now = Clock.GetUtcNow();
        if (Current.Spec?.FailureEmail is null || (Current.ExhaustedMailOn is { } last && now - last < TimeSpan.FromHours(24)))
        {
            return false;
        }
        Current.ExhaustedMailOn = now;
        await state.WriteStateAsync();
        return true;
    }

    public async Task<bool> ClaimFailureNoticeAsync(bool failing, DateTimeOffset now)
    {
        if (Current.Spec is null || !delivery.Notifier.Listened(Current.Spec.FailureEmail, Tenant))
        {
            return false;
        }
        // Asked again here, serialized: two attempts that ended together claim one notice.
        if (FailureNotices.After(Sender.Health.Current, Current.FailingNoticeOpen, Current.FailingNoticeOn, now)
            != (failing ? NoticeKind.Failing : NoticeKind.Recovered))
        {
            return false;
        }
        if (failing)
        {
            Current.FailingNoticeOn = now;
        }
        Current.FailingNoticeOpen = failing;
        await state.WriteStateAsync();
        return true;
    }
}
