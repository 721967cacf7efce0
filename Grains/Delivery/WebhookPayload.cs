using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>
/// What a webhook body says besides <c>data</c> (which may be shared): <c>meta</c>, the subscription's
/// part, and <see cref="ActionBody"/>, the JSON an action was fired with (written by
/// <see cref="WebhookPayload.Data(string)"/>), null for other events.
/// </summary>
public sealed record WebhookMeta(long Subscription, string CustomId, string Language, string EventName, string EventId, DateTimeOffset OccurredOn,
    string? ActionBody = null)
{
    public static WebhookMeta Of(long subscriptionId, SubscriptionSpec spec, string eventName, string eventId, DateTimeOffset occurredOn,
        string? actionBody = null) =>
        new(subscriptionId, spec.CustomId, spec.Language, eventName, eventId, occurredOn, actionBody);
}

/// <summary>
/// The body of a webhook call: <c>meta</c> (event, ids, time, language) and <c>data</c>. The data
/// is written on its own (<see cref="Data(JsonObject)"/>) so that subscriptions shaping an event
/// alike store it once; <see cref="Compose"/> puts a body together byte for byte the same way
/// whether its data was just built or read back.
/// </summary>
public static class WebhookPayload
{
    /// <summary>The body with <paramref name="data"/>, an entity shaped for the subscription (include, fields).</summary>
    public static string Build(long subscriptionId, SubscriptionSpec spec, string eventName, string eventId, DateTimeOffset occurredOn, JsonObject data) =>
        Compose(WebhookMeta.Of(subscriptionId, spec, eventName, eventId, occurredOn), Data(data));

    /// <summary>The body with the entity as stored (a subscription that shapes nothing).</summary>
    public static string Build(long subscriptionId, SubscriptionSpec spec, string eventName, string eventId, DateTimeOffset occurredOn, string entityJson) =>
        Compose(WebhookMeta.Of(subscriptionId, spec, eventName, eventId, occurredOn), Data(entityJson));

    /// <summary><c>data</c> for a shaped entity.</summary>
    public static string Data(JsonObject data) => Write(writer => data.WriteTo(writer));

    /// <summary>
    /// <c>data</c> for an entity as stored: its JSON text is copied through a pooled document
    /// instead of a tree of nodes, with the same result.
    /// </summary>
    public static string Data(string entityJson)
    {
        using var entity = JsonDocument.Parse(entityJson);
        return Write(writer => entity.RootElement.WriteTo(writer));
    }

    /// <summary>
    /// The body: <paramref name="meta"/>, then <paramref name="data"/> as written by <see cref="Data(JsonObject)"/>,
    /// then the action's body when the event is an action fired with one.
    /// </summary>
    public static string Compose(WebhookMeta meta, string data) => Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartObject("meta");
        writer.WriteString("event", meta.EventName);
        writer.WriteString("eventId", meta.EventId);
        writer.WriteNumber("subscription", meta.Subscription);
        writer.WriteString("customId", meta.CustomId);
        writer.WriteString("occurredOn", meta.OccurredOn.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        writer.WriteString("language", meta.Language);
        writer.WriteEndObject();
        writer.WritePropertyName("data");
        // Written by this class's own writer settings, so copied as it is.
        writer.WriteRawValue(data, skipInputValidation: true);
        if (meta.ActionBody is { } actionBody)
        {
            writer.WritePropertyName("actionBody");
            writer.WriteRawValue(actionBody, skipInputValidation: true);
        }
        writer.WriteEndObject();
    });

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
