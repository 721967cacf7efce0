using System.Diagnostics;
using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Webhooks;
using EventsSubscriptions.Grains.Interfaces.Text;
using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using EventsSubscriptions.Grains.Persistence;
using Microsoft.Extensions.Logging;

namespace EventsSubscriptions.Grains.Subscriptions;

// The sender: an interleaving grain timer takes the due head of each entity's queue, up to
// maxInFlight requests at once, and calls the receiver without holding the grain's mailbox.
// Each attempt is recorded (outbox state and log row) before the entity's next delivery goes; the
// request's slot is free as soon as the answer is in, so the record (a batch shared by the silo)
// holds back only its own entity, not the subscription's other entities.
// A reminder brings the grain back after a restart while deliveries are pending.
public sealed partial class SubscriptionGrain
{
    private const string DeliveryReminder = "deliveries";

    /// <summary>Entities answered and waiting for their records, per request slot (bounds what a crash could send twice).</summary>
    private const int RecordingPerSlot = 4;
    private static readonly TimeSpan PumpPeriod = TimeSpan.FromSeconds(1);

    /// <summary>The pending deliveries held in memory; the others wait in the outbox (see <see cref="DeliveryWindow"/>).</summary>
    private readonly DeliveryWindow window = windows.Create();
    private DeliveryQueue Queue => window.Queue;
    private RetrySchedule RetryPlan => deliverySettings.Value.Schedule;
    private SubscriptionHealth health = SubscriptionHealth.None;

    /// <summary>Failed attempts since the last failing notice (its digest), and since when the last failing period ran.</summary>
    private int failedSinceNotice;
    private DateTimeOffset? noticedFailingSince;

    private IGrainTimer? pump;
    private DateTimeOffset healthSavedOn;
    private bool reminderOn;
    private Task? reminderRegistration;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == BackfillReminder)
        {
            // Activation resumed a running backfill; one that ended drops its reminder here.
            if (!BackfillRunning)
            {
                await DropBackfillReminderAsync();
            }
            return;
        }
        // Suspended: nothing goes out, and nothing needs to keep the grain; enable registers it again.
        if (S.Spec is null || S.Status != SubscriptionStatus.Active || pendingDeliveries == 0)
        {
            await StopSendingAsync();
            return;
        }
        await EnsureSendingAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The held deliveries' memory goes back to the silo; they wait in the outbox.
        window.Release();
        // The counters changed since the last save are kept on a graceful deactivation or shutdown;
        // not after a failed call, whose unsaved changes must be dropped (DeactivateOnFailureFilter).
        if (S.Spec is null || S.Health == health || reason.ReasonCode == DeactivationReasonCode.ApplicationError)
        {
            return;
        }
        try
        {
            S.Health = health;
            await state.WriteStateAsync(cancellationToken);
        }
        catch (Exception e)
        {
            logger.HealthNotSaved(e, Id);
        }
    }

    public async Task SaveHealthAsync(SubscriptionHealth saved, DateTimeOffset? failingSince)
    {
        if (S.Spec is null || (S.Health == saved && S.FailingSince == failingSince))
        {
            return;
        }
        S.Health = saved;
        S.FailingSince = failingSince;
        await state.WriteStateAsync();
    }

    public async Task<bool> SuspendForDeliveryAsync(string reason)
    {
        if (S.Spec is null || S.Status != SubscriptionStatus.Active)
        {
            return false;
        }
        logger.Suspended(Id, reason);
        await SuspendAsync(reason);
        return true;
    }

    public async Task<bool> ClaimExhaustedMailAsync()
    {
        var now = clock.GetUtcNow();
        if (S.Spec?.FailureEmail is null || (S.ExhaustedMailOn is { } last && now - last < TimeSpan.FromHours(24)))
        {
            return false;
        }
        S.ExhaustedMailOn = now;
        await state.WriteStateAsync();
        return true;
    }

    public async Task<bool> ClaimFailureNoticeAsync(bool failing, DateTimeOffset now)
    {
        if (S.Spec is null || !notifier.Listened(S.Spec.FailureEmail, Tenant))
        {
            return false;
        }
        // Asked again here, serialized: two attempts that ended together claim one notice.
        if (Notifications.FailureNotices.After(health, S.FailingNoticeOpen, S.FailingNoticeOn, now)
            != (failing ? Notifications.NoticeKind.Failing : Notifications.NoticeKind.Recovered))
        {
            return false;
        }
        if (failing)
        {
            S.FailingNoticeOn = now;
        }
        S.FailingNoticeOpen = failing;
        await state.WriteStateAsync();
        return true;
    }

    /// <summary>Tells the failure address that calls fail (promptly, then hourly) or succeed again, as <see cref="Notifications.FailureNotices"/> decides.</summary>
    private async Task NoticeAsync(DateTimeOffset? failingSince, DateTimeOffset now)
    {
        if (health.State == HealthState.Failing && failedSinceNotice < int.MaxValue)
        {
            failedSinceNotice++;
        }
        var kind = Notifications.FailureNotices.After(health, S.FailingNoticeOpen, S.FailingNoticeOn, now);
        // A failing notice while one is open is the hourly digest: it counts the failures since.
        var digest = S.FailingNoticeOpen ? failedSinceNotice : 0;
        if (kind == Notifications.NoticeKind.None || !await Control.ClaimFailureNoticeAsync(kind == Notifications.NoticeKind.Failing, now))
        {
            return;
        }
        failedSinceNotice = 0;
        if (kind == Notifications.NoticeKind.Failing)
        {
            var since = failingSince ?? now;
            var suspendsOn = since + TimeSpan.FromHours(deliverySettings.Value.SuspendAfterHours);
            await TellAsync(Notifications.FailureMails.Failing(Id, S.Spec?.CustomId, S.Spec?.Url, health, digest, since, suspendsOn),
                "subscription.failing", new JsonObject
                {
                    ["consecutiveFailures"] = health.ConsecutiveFailures, ["lastError"] = health.LastError,
                    ["failingSince"] = since, ["suspendsOn"] = suspendsOn, ["failedSinceLastNotice"] = digest,
                });
        }
        else
        {
            await TellAsync(Notifications.FailureMails.Recovered(Id, S.Spec?.CustomId, S.Spec?.Url, noticedFailingSince, now),
                "subscription.recovered", new JsonObject { ["failingSince"] = noticedFailingSince, ["recoveredOn"] = now });
        }
    }

    /// <summary>
    /// Tells of a failure: an e-mail to <c>failureEmail</c> (when the mail is given) and an
    /// operational webhook of this type to the tenant's operator URL, whichever are set.
    /// </summary>
    private async Task TellAsync(Notifications.Mail? mail, string type, JsonObject data)
    {
        data["subscriptionId"] = Id;
        data["customId"] = S.Spec?.CustomId;
        data["url"] = S.Spec?.Url;
        await notifier.TellAsync(S.Spec?.FailureEmail, Tenant, mail, new Notifications.OperatorEvent(type, data));
    }

    public async Task<TestCallResult> TestAsync()
    {
        if (S.Spec is not { } spec)
        {
            return new TestCallResult(SubscriptionOutcome.NotFound, null, null);
        }
        if (S.Status == SubscriptionStatus.Archived)
        {
            return new TestCallResult(SubscriptionOutcome.StatusConflict, null, NotAllowedDetail("test"));
        }
        var now = clock.GetUtcNow();
        var eventId = Guid.CreateVersion7().ToString();
        var body = WebhookPayload.Build(Id, spec, $"entity:{spec.Resource}:test", eventId, now, []);
        var deliveryId = WebhookHeaders.DeliveryId(Id, eventId);
        var outcome = await sender.SendAsync(CallOf(spec, body, deliveryId), CancellationToken.None);
        var logged = outcome.Result == AttemptResult.Succeeded ? LogOutcome.Succeeded : LogOutcome.Failed;
        await deliveries.RecordAsync(new AttemptRecord
        {
            SubscriptionId = Id, DeliveryId = deliveryId, EventId = eventId, EventName = $"entity:{spec.Resource}:test",
            EntityKey = EntityKey.Format(spec.Resource, 0), Attempt = 1, Outcome = logged, StatusCode = outcome.StatusCode,
            DurationMs = (int)outcome.Duration.TotalMilliseconds, Error = outcome.Error, ResponseExcerpt = outcome.ResponseExcerpt,
            CreatedOn = now,
            // The test call has no outbox row: only its log row is written.
            State = logged == LogOutcome.Succeeded ? DeliveryState.Succeeded : DeliveryState.Exhausted,
        });
        var page = await deliveries.ReadLogAsync(Id, new DeliveryLogQuery(1, 0, null, null, null, eventId));
        // Recorded before the read (the record is awaited): the entry is there.
        return new TestCallResult(SubscriptionOutcome.Ok,
            page.Entries.FirstOrDefault() ?? throw new InvalidOperationException($"the log entry of test call {eventId} was not found"), null);
    }

    public async Task<ReplayResult> ReplayAsync(DateTimeOffset since, DateTimeOffset? until, bool onlyFailed)
    {
        if (S.Spec is null)
        {
            return new ReplayResult(SubscriptionOutcome.NotFound, 0, null, null);
        }
        if (S.Status == SubscriptionStatus.Archived)
        {
            return new ReplayResult(SubscriptionOutcome.StatusConflict, 0, null, NotAllowedDetail("replay"));
        }
        var requeued = await deliveries.RequeueAsync(Id, since, until, onlyFailed);
        if (requeued > 0)
        {
            pendingDeliveries += requeued;
            metrics.Pending(requeued);
            // Read again from the outbox's beginning; deliveries held already are not queued twice.
            window.ReadFromStart();
            await EnsureSendingAsync();
        }
        return new ReplayResult(SubscriptionOutcome.Ok, requeued, View(), null);
    }

    public async Task<DeliveryRetry> RetryDeliveryAsync(string eventId)
    {
        if (S.Spec is null)
        {
            return new DeliveryRetry(SubscriptionOutcome.NotFound, null, null);
        }
        if (S.Status == SubscriptionStatus.Archived)
        {
            return new DeliveryRetry(SubscriptionOutcome.StatusConflict, null, $"subscription {Id} is archived, which is final");
        }
        var previous = await deliveries.RetryOneAsync(Id, eventId);
        if (previous is null)
        {
            // A detail: the subscription exists, the delivery does not (the gateway words the two apart).
            return new DeliveryRetry(SubscriptionOutcome.NotFound, null, $"subscription {Id} has no delivery of event {eventId}");
        }
        if (previous == DeliveryStore.Pending)
        {
            // Held in memory already (or read with a later read of the window): due at once.
            Queue.MakeDue(eventId);
        }
        else
        {
            pendingDeliveries++;
            metrics.Pending(1);
            window.ReadFromStart();
        }
        await EnsureSendingAsync();
        pump?.Change(TimeSpan.Zero, PumpPeriod);
        var detail = S.Status == SubscriptionStatus.Suspended
            ? $"queued; subscription {Id} is suspended and sends nothing until it is enabled"
            : null;
        return new DeliveryRetry(SubscriptionOutcome.Ok, previous, detail);
    }

    /// <summary>What one attempt sends; the secrets are in clear for the time of the call only.</summary>
    private WebhookCall CallOf(SubscriptionSpec spec, string body, string deliveryId) =>
        new(spec.Url, body, deliveryId, spec.SecretHeaderName, spec.HeaderMode, secrets.Unprotect(S.EncryptedSecret!, Id),
            CurrentPreviousSecret(), spec.Language, spec.Delivery.TimeoutSeconds)
        {
            ExtraHeaders = S.EncryptedHeaders is null ? [] : ExtraHeaders(),
        };

    private string? CurrentPreviousSecret() =>
        S.PreviousEncryptedSecret is { } old && S.SecretRotatedOn is { } rotated
        && clock.GetUtcNow() - rotated < TimeSpan.FromHours(deliverySettings.Value.SecretOverlapHours)
            ? secrets.Unprotect(old, Id)
            : null;

    private async Task EnsureSendingAsync()
    {
        if (S.Spec is null || S.Status != SubscriptionStatus.Active || pendingDeliveries == 0)
        {
            return;
        }
        // The pump first: it interleaves, so the first calls go out while the reminder is being
        // registered (a new subscription's first deliveries do not wait for the reminder table).
        if (pump is null)
        {
            pump = this.RegisterGrainTimer(PumpAsync, new GrainTimerCreationOptions
            {
                DueTime = TimeSpan.Zero,
                Period = PumpPeriod,
                Interleave = true,
                KeepAlive = true,
            });
        }
        else
        {
            pump.Change(TimeSpan.Zero, PumpPeriod);
        }
        // Awaited all the same: a caller queueing deliveries returns (and the stream lets its
        // events go) only once the reminder that brings this grain back after a crash is held.
        await EnsureReminderAsync();
    }

    /// <summary>
    /// Registers the reminder that brings the grain back while deliveries are pending. A failure
    /// (storage down, a concurrent change of the reminder row) does not fail the caller: the
    /// deliveries are queued already, and the pump tries again on each tick until it holds.
    /// </summary>
    private Task EnsureReminderAsync()
    {
        if (reminderOn)
        {
            return Task.CompletedTask;
        }
        // One registration at a time; whoever asks meanwhile waits for that one.
        if (reminderRegistration is { IsCompleted: false } running)
        {
            return running;
        }
        return reminderRegistration = RegisterReminderAsync();
    }

    private async Task RegisterReminderAsync()
    {
        try
        {
            await this.RegisterOrUpdateReminder(DeliveryReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            reminderOn = true;
        }
        catch (Exception e)
        {
            logger.ReminderNotRegistered(e, Id);
        }
    }

    /// <summary>Stops the pump; the reminder is dropped only by its own tick, when nothing is pending.</summary>
    private void StopPump()
    {
        pump?.Dispose();
        pump = null;
    }

    private async Task StopSendingAsync()
    {
        StopPump();
        try
        {
            // Also after a restart, when this activation did not register it itself.
            if (await this.GetReminder(DeliveryReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            reminderOn = false;
        }
        catch (Exception e)
        {
            // The next tick tries again; a reminder left behind only wakes an idle grain once a minute.
            logger.ReminderNotRemoved(e, Id);
        }
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        if (S.Spec is not { } spec || S.Status != SubscriptionStatus.Active)
        {
            // Suspended or archived: nothing goes out; enable starts the pump again.
            StopPump();
            return;
        }
        // Not awaited here: the pump sends while a registration is under way (its caller waits).
        _ = EnsureReminderAsync();
        if (window.BeginRead() is { } read)
        {
            WindowPage page;
            try
            {
                page = await deliveries.ReadWindowAsync(Id, read, cancellationToken);
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
            if (S.Status != SubscriptionStatus.Active)
            {
                // Suspended or archived during the read.
                StopPump();
                return;
            }
        }
        if (Queue.Count == 0)
        {
            if (pendingDeliveries > 0)
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
        if (!sender.MayDeliver)
        {
            // This silo may be cut off and declared dead: the next tick looks again.
            return;
        }
        var now = clock.GetUtcNow();
        var room = Math.Min(Queue.Room(spec.Delivery.MaxInFlight, spec.Delivery.MaxInFlight * (1 + RecordingPerSlot)),
            rate.Allowance(spec.Delivery.MaxPerSecond, now));
        foreach (var delivery in Queue.TakeDue(now, room))
        {
            rate.Take();
            _ = AttemptAsync(spec, delivery);
        }
    }

    private readonly DeliveryRateLimiter rate = new();

    /// <summary>This grain as the sender's control interface (its calls go through the mailbox), made once per activation.</summary>
    private ISubscriptionSenderControl Control => senderControl ??= this.AsReference<ISubscriptionSenderControl>();
    private ISubscriptionSenderControl? senderControl;

    private async Task AttemptAsync(SubscriptionSpec spec, PendingDelivery delivery)
    {
        var attempt = delivery.Attempts + 1;
        var deliveryId = WebhookHeaders.DeliveryId(Id, delivery.EventId);
        var outcome = delivery.UnrecordedOutcome;
        try
        {
            if (outcome is null)
            {
                // The webhook call continues the trace of the change (its HTTP span sends traceparent).
                using var span = ServiceTracing.StartFrom(delivery.TraceParent, "deliver " + delivery.EventName, ActivityKind.Producer);
                try
                {
                    span?.SetTag("events_subscriptions.subscription", Id).SetTag("events_subscriptions.delivery", deliveryId)
                        .SetTag("events_subscriptions.attempt", attempt);
                    outcome = await sender.SendAsync(CallOf(spec, delivery.Body, deliveryId), CancellationToken.None);
                    span?.SetTag("events_subscriptions.result", outcome.Result.ToString())
                        .SetStatus(outcome.Result == AttemptResult.Succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
                }
                finally
                {
                    // The slot goes to the next due entity while this one's record is written.
                    Queue.Answered();
                    pump?.Change(TimeSpan.Zero, PumpPeriod);
                }
            }
            else
            {
                // The receiver answered this attempt already; only its record failed (PostgreSQL
                // restarting): write the record, do not call the receiver a second time.
                Queue.Answered();
            }
            await RecordAsync(delivery, deliveryId, attempt, outcome);
        }
        catch (Exception e)
        {
            // The attempt could not be recorded: record it later (at least once, never lost),
            // backing off so that a record that keeps failing is not tried every 5 s. An attempt
            // that never reached the receiver (its call failed before sending) is sent then.
            // A record refused for what it holds is written again without the receiver's text
            // (stripped once). Refused without it, the record holds only the service's own words:
            // the schema refuses it, not the row, and dropping the log row would lose every
            // delivery's log while that lasts; it waits, pending, for the database to take it.
            var refused = outcome is not null && DatabaseFaults.IsItemFault(e) ? ++delivery.RecordRefusals : 0;
            if (refused == 1)
            {
                outcome = WithoutReceiverText(outcome!);
            }
            delivery.UnrecordedOutcome = outcome;
            delivery.UnrecordedAttempts++;
            if (refused > 1)
            {
                logger.RecordRefusedWithoutText(e, Id, deliveryId, refused, delivery.UnrecordedBackOff);
            }
            else
            {
                logger.NotRecorded(e, Id, deliveryId, delivery.UnrecordedAttempts, delivery.UnrecordedBackOff);
            }
            delivery.NextAttemptOn = clock.GetUtcNow() + delivery.UnrecordedBackOff;
            Queue.Postpone(delivery);
        }
        pump?.Change(TimeSpan.Zero, PumpPeriod);
    }

    /// <summary>
    /// An outcome whose record the database refused for what it holds (a data or constraint error,
    /// not an outage): the next try records it without the only text a receiver wrote, its answer's
    /// excerpt and reason phrase, so that one hostile answer cannot hold its delivery (and its
    /// entity's later ones) pending for ever. Status, duration and result are kept.
    /// </summary>
    private static AttemptOutcome WithoutReceiverText(AttemptOutcome outcome) => outcome with
    {
        ResponseExcerpt = null,
        ResponseHeaders = null,
        Error = outcome.Error is null ? null
            : outcome.StatusCode is { } status ? $"the receiver answered {status} (its answer could not be stored)"
            : $"{StorableText.Clean(KindOf(outcome.Error))} (the rest of the error could not be stored)",
    };

    /// <summary>The service's own words that open an error ("connection failed", "no answer within 15 s"), which name its kind.</summary>
    private static string KindOf(string error) => error.IndexOf(':') is var colon and > 0 ? error[..colon] : error;

    private async Task RecordAsync(PendingDelivery delivery, string deliveryId, int attempt, AttemptOutcome outcome)
    {
        var now = clock.GetUtcNow();
        var (logged, state, next) = RetryPlan.After(outcome, attempt, now, Random.Shared.NextDouble());
        var error = outcome.Error;
        if (state == DeliveryState.Pending && S.Status == SubscriptionStatus.Archived)
        {
            // Archived while this call was under way (the archive left it to its answer): the
            // delivery ends here, as the others did, with this attempt's error kept.
            (logged, state, next) = (LogOutcome.Cancelled, DeliveryState.Cancelled, null);
            error = $"the subscription was archived; this attempt: {error}";
        }
        await deliveries.RecordAsync(new AttemptRecord
        {
            SubscriptionId = Id, DeliveryId = deliveryId, EventId = delivery.EventId, EventName = delivery.EventName,
            EntityKey = delivery.EntityKey, Attempt = attempt, Outcome = logged, StatusCode = outcome.StatusCode,
            DurationMs = (int)outcome.Duration.TotalMilliseconds, Error = error, ResponseExcerpt = outcome.ResponseExcerpt,
            ResponseHeaders = outcome.ResponseHeaders, CreatedOn = now, NextAttemptOn = next, State = state,
        });
        delivery.UnrecordedOutcome = null;
        delivery.UnrecordedAttempts = 0;
        delivery.RecordRefusals = 0;

        metrics.Attempted(DeliveryText.Of(logged), outcome.ErrorKind, outcome.Duration, Tenant);
        if (outcome.Result == AttemptResult.Succeeded && EventIds.AcceptedOn(delivery.EventId) is { } accepted)
        {
            metrics.Delivered(now - accepted);
        }
        delivery.Attempts = attempt;
        delivery.NextAttemptOn = next;
        if (state == DeliveryState.Pending)
        {
            Queue.Postpone(delivery);
        }
        else
        {
            window.Settle(delivery);
            // Also when the window no longer held it (archived meanwhile): the archive counted it.
            CountPending(Math.Max(0, pendingDeliveries - 1));
        }
        try
        {
            await UpdateHealthAsync(outcome, now);
            if (logged == LogOutcome.Exhausted)
            {
                // The operator hears of every delivery given up; the failure address of one a day.
                var mail = await Control.ClaimExhaustedMailAsync()
                    ? Notifications.FailureMails.DeliveryExhausted(Id, S.Spec?.CustomId, S.Spec?.Url, delivery.EventName, delivery.EventId, attempt, outcome.Error)
                    : null;
                await TellAsync(mail, "delivery.exhausted", new JsonObject
                {
                    ["eventId"] = delivery.EventId, ["event"] = delivery.EventName, ["attempts"] = attempt, ["lastError"] = outcome.Error,
                });
            }
        }
        catch (Exception e)
        {
            // The attempt is recorded and the delivery settled: what failed here (saving the
            // health, a mail) must not make it count as unrecorded and be sent again.
            logger.AfterRecordFailed(e, Id, deliveryId);
        }
    }

    /// <summary>The listing's copy of the health follows every change (written by the silo a moment later).</summary>
    private void ProjectHealth() => readModel.ProjectHealth(Id, health with { PendingDeliveries = pendingDeliveries });

    private async Task UpdateHealthAsync(AttemptOutcome outcome, DateTimeOffset now)
    {
        var control = Control;
        var decision = HealthPolicy.After(health, S.Health, S.FailingSince, outcome, now, healthSavedOn,
            TimeSpan.FromHours(deliverySettings.Value.SuspendAfterHours));
        health = decision.Health;
        ProjectHealth();
        if (decision.Save)
        {
            healthSavedOn = now;
            await control.SaveHealthAsync(health, decision.FailingSince);
        }
        if (decision.FailingSince is { } since)
        {
            noticedFailingSince = since;
        }
        await NoticeAsync(decision.FailingSince, now);
        if (decision.SuspendReason is { } reason && await control.SuspendForDeliveryAsync(reason))
        {
            metrics.Suspended(outcome.Result == AttemptResult.Gone ? "gone" : "failing", Tenant);
            await TellAsync(Notifications.FailureMails.Suspended(Id, S.Spec?.CustomId, S.Spec?.Url, reason),
                "subscription.suspended", new JsonObject { ["reason"] = reason });
        }
    }

    /// <summary>
    /// Cancels every pending delivery (archive). A delivery whose call is under way is left to end
    /// with its own answer, so that it has one outcome: a success stays a success, and an attempt
    /// that would be tried again is recorded as cancelled (<see cref="RecordAsync"/>).
    /// </summary>
    private async Task CancelDeliveriesAsync()
    {
        var taken = Queue.TakenEventIds();
        window.Release();
        await deliveries.CancelPendingAsync(Id, clock.GetUtcNow(), taken);
        CountPending(taken.Count);
        await StopSendingAsync();
    }

    private void CountPending(long count)
    {
        metrics.Pending(count - pendingDeliveries);
        pendingDeliveries = count;
    }
}
