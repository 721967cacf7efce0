using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Interfaces.Text;
using EventsSubscriptions.Grains.Persistence;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// Records an attempt's outcome (the outbox row's state and a log row, in one batch the silo
/// shares) and decides what comes next by the retry schedule; keeps an answered attempt whose
/// record failed, so that it is recorded later rather than sent again.
/// </summary>
internal sealed class AttemptRecorder(SubscriptionContext subscription, DeliveryServices services)
{
    /// <summary>Writes the attempt's record; the delivery's state after it (pending: tried again at <c>delivery.NextAttemptOn</c>).</summary>
    public async Task<(LogOutcome Logged, DeliveryState State, DateTimeOffset RecordedOn)> RecordAsync(PendingDelivery delivery, string deliveryId, int attempt, AttemptOutcome outcome)
    {
        var now = services.Clock.GetUtcNow();
        var (logged, state, next) = services.Schedule.After(outcome, attempt, now, Random.Shared.NextDouble());
        var error = outcome.Error;
        if (state == DeliveryState.Pending && subscription.State.Status == SubscriptionStatus.Archived)
        {
            // Archived while this call was under way (the archive left it to its answer): the
            // delivery ends here, as the others did, with this attempt's error kept.
            (logged, state, next) = (LogOutcome.Cancelled, DeliveryState.Cancelled, null);
            error = $"the subscription was archived; this attempt: {error}";
        }
        await services.Store.RecordAsync(new AttemptRecord
        {
            SubscriptionId = subscription.Id, DeliveryId = deliveryId, EventId = delivery.EventId, EventName = delivery.EventName,
            EntityKey = delivery.EntityKey, Attempt = attempt, Outcome = logged, StatusCode = outcome.StatusCode,
            DurationMs = (int)outcome.Duration.TotalMilliseconds, Error = error, ResponseExcerpt = outcome.ResponseExcerpt,
            ResponseHeaders = outcome.ResponseHeaders, CreatedOn = now, NextAttemptOn = next, State = state,
        });
        delivery.UnrecordedOutcome = null;
        delivery.UnrecordedAttempts = 0;
        delivery.RecordRefusals = 0;

        services.Metrics.Attempted(WireText.Of(logged), outcome.ErrorKind, outcome.Duration, subscription.Tenant);
        if (outcome.Result == AttemptResult.Succeeded && EventIds.AcceptedOn(delivery.EventId) is { } accepted)
        {
            services.Metrics.Delivered(now - accepted);
        }
        delivery.Attempts = attempt;
        delivery.NextAttemptOn = next;
        return (logged, state, now);
    }

    /// <summary>
    /// The attempt could not be recorded: record it later (at least once, never lost), backing off
    /// so that a record that keeps failing is not tried every 5 s. An attempt that never reached
    /// the receiver (its call failed before sending) is sent then. A record refused for what it
    /// holds is written again without the receiver's text (stripped once). Refused without it, the
    /// record holds only the service's own words: the schema refuses it, not the row, and dropping
    /// the log row would lose every delivery's log while that lasts; it waits, pending, for the
    /// database to take it.
    /// </summary>
    public void KeepUnrecorded(PendingDelivery delivery, string deliveryId, AttemptOutcome? outcome, Exception error)
    {
        var refused = outcome is not null && DatabaseFaults.IsItemFault(error) ? ++delivery.RecordRefusals : 0;
        if (refused == 1)
        {
            outcome = WithoutReceiverText(outcome!);
        }
        delivery.UnrecordedOutcome = outcome;
        delivery.UnrecordedAttempts++;
        if (refused > 1)
        {
            subscription.Logger.RecordRefusedWithoutText(error, subscription.Id, deliveryId, refused, delivery.UnrecordedBackOff);
        }
        else
        {
            subscription.Logger.NotRecorded(error, subscription.Id, deliveryId, delivery.UnrecordedAttempts, delivery.UnrecordedBackOff);
        }
        delivery.NextAttemptOn = services.Clock.GetUtcNow() + delivery.UnrecordedBackOff;
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
            : $"{StorableText.Clean(outcome.FailureWords)} (the rest of the error could not be stored)",
    };
}
