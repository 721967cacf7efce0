using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>The body of a webhook call: <c>meta</c> (event, ids, time, language) and <c>data</c>. Built once per (subscription, event).</summary>
public static class WebhookPayload
{
    /// <summary>The body with <paramref name="data"/>, an entity shaped for the subscription (include, fields).</summary>
    public static string Build(long subscriptionId, SubscriptionSpec spec, string eventName, string eventId, DateTimeOffset occurredOn, JsonObject data) =>
        Write(subscriptionId, spec, eventName, eventId, occurredOn, data, null);

    /// <summary>
    /// The body with the entity as stored (a subscription that shapes nothing): its JSON text is
    /// copied through a pooled document instead of a tree of nodes, with the same result.
    /// </summary>
    public static string Build(long subscriptionId, SubscriptionSpec spec, string eventName, string eventId, DateTimeOffset occurredOn, string entityJson)
    {
        using var entity = JsonDocument.Parse(entityJson);
        return Write(subscriptionId, spec, eventName, eventId, occurredOn, null, entity);
    }

    private static string Write(long subscriptionId, SubscriptionSpec spec, string eventName, string eventId, DateTimeOffset occurredOn,
        JsonObject? data, JsonDocument? entity)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("meta");
            writer.WriteString("event", eventName);
            writer.WriteString("eventId", eventId);
            writer.WriteNumber("subscription", subscriptionId);
            writer.WriteString("customId", spec.CustomId);
            writer.WriteString("occurredOn", occurredOn.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("language", spec.Language);
            writer.WriteEndObject();
            writer.WritePropertyName("data");
            if (entity is not null)
            {
                entity.RootElement.WriteTo(writer);
            }
            else
            {
                data!.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
