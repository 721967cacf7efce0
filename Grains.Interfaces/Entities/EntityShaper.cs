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

    /// <summary>Relations one include path may follow (<c>region.parentRegion.parentRegion</c> is 3).</summary>
    public const int MaxIncludeDepth = 5;

    /// <summary>Include paths one request or subscription may name.</summary>
    public const int MaxIncludes = 20;

    /// <summary>Field selectors one request or subscription may name.</summary>
    public const int MaxFields = 200;

    /// <summary>The error for each malformed or unknown include; empty when all are usable.</summary>
    public static IEnumerable<string> CheckInclude(IEnumerable<string> include, RelationMap relations)
    {
        var count = 0;
        foreach (var path in include)
        {
            if (++count > MaxIncludes)
            {
                yield return $"at most {MaxIncludes} include paths";
                yield break;
            }
            if (path.Length > 256 || !Patterns.FieldPath().IsMatch(path))
            {
                yield return $"'{Truncated(path)}' is not a relation path (region, or region.parentRegion)";
            }
            else if (path.Count(c => c == '.') >= MaxIncludeDepth)
            {
                yield return $"'{Truncated(path)}' follows more than {MaxIncludeDepth} relations";
            }
            else if (path.Split('.').FirstOrDefault(p => !relations.TryGetResource(p, out _)) is { } unknown)
            {
                yield return $"'{unknown}' is not a relation; relations: {string.Join(", ", relations.Fields)}";
            }
        }
    }

    private static string Truncated(string text) => text.Length <= 64 ? text : $"{text[..64]}…";

    public static IEnumerable<string> CheckFields(IReadOnlyCollection<string> fields) =>
        fields.Count > MaxFields
            ? [$"at most {MaxFields} fields"]
            : fields.Where(f => f.Length > 256 || !Patterns.FieldSelector().IsMatch(f)).Select(f => $"'{Truncated(f)}' is not a field path (a.b, or a.b:alias)");

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
