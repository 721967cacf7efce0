using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Interfaces.Filters;

namespace EventsSubscriptions.Grains.Routing;

/// <summary>
/// An event's entity as matching reads it: parsed on first need (events whose candidates have no
/// filter are never parsed), each field path resolved once whatever the number of routes asking.
/// </summary>
public sealed class EntityFields
{
    private readonly string? snapshot;
    private JsonObject? entity;
    private Dictionary<string, JsonNode?>? fields;

    public EntityFields(string snapshot) => this.snapshot = snapshot;

    /// <summary>An entity parsed already (a preview's, a backfill's).</summary>
    public EntityFields(JsonObject entity) => this.entity = entity;

    public JsonObject Entity => entity ??= JsonNode.Parse(snapshot!)!.AsObject();

    public JsonNode? Field(string path)
    {
        fields ??= new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (!fields.TryGetValue(path, out var value))
        {
            fields[path] = value = FilterEvaluator.Resolve(Entity, path);
        }
        return value;
    }
}
