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
}
