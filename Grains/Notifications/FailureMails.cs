namespace EventsSubscriptions.Grains.Notifications;

/// <summary>An e-mail to send: its subject and plain text.</summary>
public sealed record Mail(string Subject, string Text);

/// <summary>The texts of the e-mails a subscription's <c>failureEmail</c> receives, written once here.</summary>
public static class FailureMails
{
    /// <summary>A delivery was given up after its last retry (at most one such e-mail per subscription per 24 h).</summary>
    public static Mail DeliveryExhausted(long subscriptionId, string? customId, string? url, string eventName, string eventId, int attempts,
        string? lastError) => new(
        $"Webhook deliveries are failing: subscription {subscriptionId} ({customId})",
        $"A delivery of {eventName} (event {eventId}) to {url} failed {attempts} times and was given up.\n" +
        $"Last error: {lastError}\n\nThe delivery log: GET /rest/v1/events-subscriptions/{subscriptionId}/logs\n" +
        "(At most one such e-mail is sent per subscription per 24 hours.)");

    /// <summary>The service suspended the subscription (410, or a day of failures).</summary>
    public static Mail Suspended(long subscriptionId, string? customId, string? url, string reason) => new(
        $"Webhook subscription {subscriptionId} ({customId}) was suspended",
        $"Subscription {subscriptionId} to {url} was suspended: {reason}.\n" +
        "Deliveries keep being queued; nothing is sent until it is enabled again:\n" +
        $"POST /rest/v1/events-subscriptions/{subscriptionId}/actions/enable");

    /// <summary>
    /// Calls keep failing: sent within seconds of the second failure in a row, then at most hourly
    /// with the failures since the last notice, saying when the subscription will be suspended.
    /// </summary>
    public static Mail Failing(long subscriptionId, string? customId, string? url, Interfaces.Subscriptions.SubscriptionHealth health, int failedSinceLastNotice,
        DateTimeOffset failingSince, DateTimeOffset suspendsOn) => new(
        $"Webhook calls are failing: subscription {subscriptionId} ({customId})",
        $"Calls to {url} have failed {health.ConsecutiveFailures} times in a row since {failingSince:yyyy-MM-dd HH:mm:ss} UTC" +
        (failedSinceLastNotice > 0 ? $" ({failedSinceLastNotice} failed attempts since the last notice)" : "") + ".\n" +
        $"Last error: {health.LastError}\n\n" +
        "Deliveries are kept and retried (after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). " +
        $"If no call succeeds before {suspendsOn:yyyy-MM-dd HH:mm} UTC, the subscription will be suspended.\n" +
        $"The delivery log: GET /rest/v1/events-subscriptions/{subscriptionId}/logs\n" +
        "(While calls keep failing, at most one such e-mail is sent per hour; another says when they succeed again.)");

    /// <summary>A call succeeded after a failing notice.</summary>
    public static Mail Recovered(long subscriptionId, string? customId, string? url, DateTimeOffset? failingSince, DateTimeOffset now) => new(
        $"Webhook calls succeed again: subscription {subscriptionId} ({customId})",
        $"A call to {url} succeeded on {now:yyyy-MM-dd HH:mm:ss} UTC" +
        (failingSince is { } since ? $", after failing since {since:yyyy-MM-dd HH:mm:ss} UTC" : "") + ".\n" +
        "Deliveries that waited go out in order.");
}
