using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Notifications;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// A subscription's health as attempts end (<see cref="HealthPolicy"/> decides), saved on a change
/// of state, and what it tells: failing and recovery notices, exhausted deliveries, suspension.
/// Kept in memory between saves: the grain saves it on a graceful deactivation.
/// </summary>
internal sealed class HealthTracker(SubscriptionContext subscription, DeliveryServices services)
{
    private DateTimeOffset savedOn;

    /// <summary>Failed attempts since the last failing notice (its digest), and since when the last failing period ran.</summary>
    private int failedSinceNotice;
    private DateTimeOffset? noticedFailingSince;

    public SubscriptionHealth Current { get; set; } = SubscriptionHealth.None;

    /// <summary>The listing's copy follows every change (written by the silo a moment later).</summary>
    public void Project(long pendingDeliveries) =>
        subscription.ReadModel.ProjectHealth(subscription.Id, Current with { PendingDeliveries = pendingDeliveries });

    public async Task AfterAttemptAsync(AttemptOutcome outcome, DateTimeOffset now, long pendingDeliveries)
    {
        var state = subscription.State;
        var decision = HealthPolicy.After(Current, state.Health, state.FailingSince, outcome, now, savedOn,
            TimeSpan.FromHours(services.Settings.SuspendAfterHours));
        Current = decision.Health;
        Project(pendingDeliveries);
        if (decision.Save)
        {
            savedOn = now;
            await subscription.Control.SaveHealthAsync(Current, decision.FailingSince);
        }
        if (decision.FailingSince is { } since)
        {
            noticedFailingSince = since;
        }
        await NoticeAsync(decision.FailingSince, now);
        if (decision.SuspendReason is { } reason && await subscription.Control.SuspendForDeliveryAsync(reason))
        {
            services.Metrics.Suspended(outcome.Result == AttemptResult.Gone ? "gone" : "failing", subscription.Tenant);
            var spec = subscription.State.Spec;
            await TellAsync(FailureMails.Suspended(subscription.Id, spec?.CustomId, spec?.Url, reason),
                "subscription.suspended", new JsonObject { ["reason"] = reason });
        }
    }

    /// <summary>The operator hears of every delivery given up; the failure address of one a day.</summary>
    public async Task ExhaustedAsync(PendingDelivery delivery, int attempt, string? error)
    {
        var spec = subscription.State.Spec;
        var mail = await subscription.Control.ClaimExhaustedMailAsync()
            ? FailureMails.DeliveryExhausted(subscription.Id, spec?.CustomId, spec?.Url, delivery.EventName, delivery.EventId, attempt, error)
            : null;
        await TellAsync(mail, "delivery.exhausted", new JsonObject
        {
            ["eventId"] = delivery.EventId, ["event"] = delivery.EventName, ["attempts"] = attempt, ["lastError"] = error,
        });
    }

    /// <summary>Tells the failure address that calls fail (promptly, then hourly) or succeed again, as <see cref="FailureNotices"/> decides.</summary>
    private async Task NoticeAsync(DateTimeOffset? failingSince, DateTimeOffset now)
    {
        if (Current.State == HealthState.Failing && failedSinceNotice < int.MaxValue)
        {
            failedSinceNotice++;
        }
        var state = subscription.State;
        var kind = FailureNotices.After(Current, state.FailingNoticeOpen, state.FailingNoticeOn, now);
        // A failing notice while one is open is the hourly digest: it counts the failures since.
        var digest = state.FailingNoticeOpen ? failedSinceNotice : 0;
        if (kind == NoticeKind.None || !await subscription.Control.ClaimFailureNoticeAsync(kind == NoticeKind.Failing, now))
        {
            return;
        }
        failedSinceNotice = 0;
        var spec = subscription.State.Spec;
        if (kind == NoticeKind.Failing)
        {
            var since = failingSince ?? now;
            var suspendsOn = since + TimeSpan.FromHours(services.Settings.SuspendAfterHours);
            await TellAsync(FailureMails.Failing(subscription.Id, spec?.CustomId, spec?.Url, Current, digest, since, suspendsOn),
                "subscription.failing", new JsonObject
                {
                    ["consecutiveFailures"] = Current.ConsecutiveFailures, ["lastError"] = Current.LastError,
                    ["failingSince"] = since, ["suspendsOn"] = suspendsOn, ["failedSinceLastNotice"] = digest,
                });
        }
        else
        {
            await TellAsync(FailureMails.Recovered(subscription.Id, spec?.CustomId, spec?.Url, noticedFailingSince, now),
                "subscription.recovered", new JsonObject { ["failingSince"] = noticedFailingSince, ["recoveredOn"] = now });
        }
    }

    /// <summary>
    /// Tells of a failure: an e-mail to <c>failureEmail</c> (when the mail is given) and an
    /// operational webhook of this type to the tenant's operator URL, whichever are set.
    /// </summary>
    private async Task TellAsync(Mail? mail, string type, JsonObject data)
    {
        var spec = subscription.State.Spec;
        data["subscriptionId"] = subscription.Id;
        data["customId"] = spec?.CustomId;
        data["url"] = spec?.Url;
        await services.Notifier.TellAsync(spec?.FailureEmail, subscription.Tenant, mail, new OperatorEvent(type, data));
    }
}
