using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EventsSubscriptions.Grains.Interfaces.Text;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>How views are stored in the read model's jsonb column.</summary>
public static class ReadModelJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>
    /// The value as JSON that jsonb accepts: a string holding U+0000 or a lone surrogate (which
    /// jsonb refuses, failing the whole write) is stored with U+FFFD in their place.
    /// </summary>
    public static string Storable<T>(T value)
    {
        var json = JsonSerializer.Serialize(value, Options);
        if (!json.Contains("\\u0000", StringComparison.Ordinal) && !json.Contains("\\uD", StringComparison.OrdinalIgnoreCase))
        {
            return json;
        }
        var node = JsonNode.Parse(json);
        return Clean(node)?.ToJsonString(Options) ?? "null";
    }

    private static JsonNode? Clean(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    obj[name] = Clean(child);
                }
                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = Clean(array[i]);
                }
                return array;
            case JsonValue value when value.TryGetValue<string>(out var text):
                return JsonValue.Create(StorableText.Clean(text));
            default:
                return node;
        }
    }
}
