using System.Globalization;
using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>The body of a webhook call: <c>meta</c> (event, ids, time, language) and <c>data</c>. Built once per (subscription, event).</summary>
public static class WebhookPayload
{
    public static string Build(long subscriptionId, SubscriptionSpec spec, string eventName, string eventId, DateTimeOffset occurredOn, JsonObject data) =>
        new JsonObject
        {
            ["meta"] = new JsonObject
            {
                ["event"] = eventName,
                ["eventId"] = eventId,
                ["subscription"] = subscriptionId,
                ["customId"] = spec.CustomId,
                ["occurredOn"] = occurredOn.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                ["language"] = spec.Language,
            },
            ["data"] = data,
        }.ToJsonString();
}
