using System.Text.Json;
using System.Text.Json.Serialization;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>How views are stored in the read model's jsonb column.</summary>
public static class ReadModelJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };
}
