namespace EventsSubscriptions.Grains.Interfaces.Webhooks;

/// <summary>
/// The headers every webhook call carries, named once: the sender sets them, the subscription
/// reader refuses a secret header that would clash with them, and the API shows them.
/// </summary>
public static class WebhookHeaders
{
    /// <summary>TrackTik's signature header when a subscription names none.</summary>
    public const string DefaultSecretHeader = "TrackTik-Subscription-Secret";

    /// <summary>Standard Webhooks: the delivery's id, stable across retries (see <see cref="DeliveryId"/>).</summary>
    public const string Id = "webhook-id";

    /// <summary>Standard Webhooks: the attempt's Unix time in seconds.</summary>
    public const string Timestamp = "webhook-timestamp";

    /// <summary>Standard Webhooks: <c>v1,</c> + base64 HMAC-SHA256, one per secret in use.</summary>
    public const string Signature = "webhook-signature";

    public const string Language = "TTC-Language";

    public const string UserAgent = "User-Agent";

    /// <summary>Every header the service sets itself (a subscription's secret header may not be one of them).</summary>
    public static readonly IReadOnlyList<string> Set = [Id, Timestamp, Signature, Language, UserAgent];

    /// <summary>A delivery's id: the subscription and the event, the same on every attempt.</summary>
    public static string DeliveryId(long subscriptionId, string eventId) => $"{subscriptionId}-{eventId}";
}
