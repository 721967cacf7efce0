using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Webhooks;
using EventsSubscriptions.Grains.Persistence;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// A test call (<c>POST …/test</c>): a sample body sent once, signed as deliveries are, and
/// logged with the deliveries; it has no outbox row and is never tried again.
/// </summary>
internal sealed class TestCall(long subscriptionId, DeliveryServices services)
{
    public async Task<DeliveryLogEntry> SendAsync(SubscriptionSpec spec, SubscriptionSecrets secrets)
    {
        var now = services.Clock.GetUtcNow();
        var eventId = Guid.CreateVersion7().ToString();
        var eventName = $"entity:{spec.Resource}:{EntityTriggers.Test}";
        var body = WebhookPayload.Build(subscriptionId, spec, eventName, eventId, now, []);
        var deliveryId = WebhookHeaders.DeliveryId(subscriptionId, eventId);
        var outcome = await services.Webhooks.SendAsync(secrets.CallOf(spec, body, deliveryId), CancellationToken.None);
        var logged = outcome.Result == AttemptResult.Succeeded ? LogOutcome.Succeeded : LogOutcome.Failed;
        await services.Store.RecordAsync(new AttemptRecord
        {
            SubscriptionId = subscriptionId, DeliveryId = deliveryId, EventId = eventId, EventName = eventName,
            EntityKey = EntityKey.Format(spec.Resource, 0), Attempt = 1, Outcome = logged, StatusCode = outcome.StatusCode,
            DurationMs = (int)outcome.Duration.TotalMilliseconds, Error = outcome.Error, ResponseExcerpt = outcome.ResponseExcerpt,
            CreatedOn = now,
            State = logged == LogOutcome.Succeeded ? DeliveryState.Succeeded : DeliveryState.Exhausted,
        });
        // Recorded before the read (the record is awaited): the entry is there.
        var page = await services.Store.ReadLogAsync(subscriptionId, new DeliveryLogQuery(1, 0, null, null, null, eventId));
        return page.Entries.FirstOrDefault() ?? throw new InvalidOperationException($"the log entry of test call {eventId} was not found");
    }
}
