using System.Diagnostics;
using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Interfaces.Webhooks;

namespace EventsSubscriptions.Grains.Subscriptions;

// One attempt's life: the call (in the change's trace), its record, then the delivery's place: due
// again later, or settled and out of the window.
internal sealed partial class SubscriptionSender
{
    private async Task AttemptAsync(SubscriptionSpec spec, PendingDelivery delivery)
    {
        var attempt = delivery.Attempts + 1;
        var deliveryId = WebhookHeaders.DeliveryId(Id, delivery.EventId);
        var outcome = delivery.UnrecordedOutcome;
        try
        {
            if (outcome is null)
            {
                outcome = await SendAsync(spec, delivery, deliveryId, attempt);
            }
            else
            {
                // The receiver answered this attempt already; only its record failed (PostgreSQL
                // restarting): write the record, do not call the receiver a second time.
                Queue.Answered();
            }
            await SettleAsync(delivery, deliveryId, attempt, outcome);
        }
        catch (Exception e)
        {
            recorder.KeepUnrecorded(delivery, deliveryId, outcome, e);
            Queue.Postpone(delivery);
        }
        pump?.Change(TimeSpan.Zero, PumpPeriod);
    }

    private async Task<AttemptOutcome> SendAsync(SubscriptionSpec spec, PendingDelivery delivery, string deliveryId, int attempt)
    {
        // The webhook call continues the trace of the change (its HTTP span sends traceparent).
        using var span = ServiceTracing.StartFrom(delivery.TraceParent, "deliver " + delivery.EventName, ActivityKind.Producer);
        try
        {
            span?.SetTag("events_subscriptions.subscription", Id).SetTag("events_subscriptions.delivery", deliveryId)
                .SetTag("events_subscriptions.attempt", attempt);
            var outcome = await services.Webhooks.SendAsync(subscription.Secrets.CallOf(spec, delivery.Body, deliveryId), CancellationToken.None);
            span?.SetTag("events_subscriptions.result", outcome.Result.ToString())
                .SetStatus(outcome.Result == AttemptResult.Succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
            return outcome;
        }
        finally
        {
            // The slot goes to the next due entity while this one's record is written.
            Queue.Answered();
            pump?.Change(TimeSpan.Zero, PumpPeriod);
        }
    }

    private async Task SettleAsync(PendingDelivery delivery, string deliveryId, int attempt, AttemptOutcome outcome)
    {
        var (logged, state, recordedOn) = await recorder.RecordAsync(delivery, deliveryId, attempt, outcome);
        if (state == DeliveryState.Pending)
        {
            Queue.Postpone(delivery);
        }
        else
        {
            window.Settle(delivery);
            // Also when the window no longer held it (archived meanwhile): the archive counted it.
            CountPending(Math.Max(0, Pending - 1));
        }
        try
        {
            await Health.AfterAttemptAsync(outcome, recordedOn, Pending);
            if (logged == LogOutcome.Exhausted)
            {
                await Health.ExhaustedAsync(delivery, attempt, outcome.Error);
            }
        }
        catch (Exception e)
        {
            // The attempt is recorded and the delivery settled: what failed here (saving the
            // health, a mail) must not make it count as unrecorded and be sent again.
            subscription.Logger.AfterRecordFailed(e, Id, deliveryId);
        }
    }
}
