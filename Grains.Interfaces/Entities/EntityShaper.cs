using EventsSubscriptions.Grains.Interfaces.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EventsSubscriptions.Grains.Interfaces.Entities;

/// <summary>
/// Shapes an entity the way <c>include=</c> and <c>fields=</c> shape a GET, for the API and for
/// webhook payloads alike. Include replaces a relation id by the related entity (dotted includes
/// go deeper: <c>region.parentRegion</c>); fields then keep only the listed dotted paths, each
/// optionally renamed (<c>address.city:city</c>).
/// </summary>
public static partial class EntityShaper
{
    public delegate Task<JsonObject?> LoadEntity(string resource, long id);

    /// <summary>The error for each malformed or unknown include; empty when all are usable.</summary>
    public static IEnumerable<string> CheckInclude(IEnumerable<string> include, RelationMap relations)
    {
        foreach (var path in include)
        {
            if (!Patterns.FieldPath().IsMatch(path))
            {
                yield return $"'{path}' is not a relation path (region, or region.parentRegion)";
            }
            else if (path.Split('.').FirstOrDefault(p => !relations.TryGetResource(p, out _)) is { } unknown)
            {
                yield return $"'{unknown}' is not a relation; relations: {string.Join(", ", relations.Fields)}";
            }
        }
    }

    public static IEnumerable<string> CheckFields(IEnumerable<string> fields) =>
        fields.Where(f => !Patterns.FieldSelector().IsMatch(f)).Select(f => $"'{f}' is not a field path (a.b, or a.b:alias)");

    /// <summary>A shaped copy of <paramref name="entity"/>; related entities come from <paramref name="load"/>.</summary>
    public static async Task<JsonObject> ShapeAsync(JsonObject entity, IReadOnlyList<string> include, IReadOnlyList<string> fields,
        RelationMap relations, LoadEntity load)
    {
        var shaped = entity.DeepClone().AsObject();
        foreach (var path in include)
        {
            await IncludeAsync(shaped, path.Split('.'), relations, load);
        }
        return fields.Count == 0 ? shaped : Select(shaped, fields);
    }

    private static async Task IncludeAsync(JsonObject target, string[] path, RelationMap relations, LoadEntity load)
    {
        var field = path[0];
        if (!relations.TryGetResource(field, out var resource) || !target.TryGetPropertyValue(field, out var value) || value is null)
        {
            return;
        }
        if (value is JsonValue scalar && scalar.TryGetValue<long>(out var id))
        {
            var related = await load(resource, id);
            if (related is null)
            {
                return;
            }
            target[field] = related;
            value = related;
        }
        if (path.Length > 1 && value is JsonObject nested)
        {
            await IncludeAsync(nested, path[1..], relations, load);
        }
    }

    private static JsonObject Select(JsonObject entity, IReadOnlyList<string> fields)
    {
        var result = new JsonObject();
        foreach (var field in fields)
        {
            var colon = field.IndexOf(':');
            var path = colon < 0 ? field : field[..colon];
            var value = Filters.FilterEvaluator.Resolve(entity, path);
            if (value is null && !Exists(entity, path))
            {
                continue;
            }
            if (colon >= 0)
            {
                result[field[(colon + 1)..]] = value?.DeepClone();
                continue;
            }
            var parts = path.Split('.');
            var node = result;
            foreach (var part in parts[..^1])
            {
                if (node[part] is not JsonObject child)
                {
                    child = new JsonObject();
                    node[part] = child;
                }
                node = child;
            }
            node[parts[^1]] = value?.DeepClone();
        }
        return result;
    }

    private static bool Exists(JsonObject entity, string path)
    {
        var parts = path.Split('.');
        JsonNode? current = entity;
        foreach (var part in parts)
        {
            if (current is not JsonObject obj || !obj.TryGetPropertyValue(part, out current))
            {
                return false;
            }
        }
        return true;
    }
}
