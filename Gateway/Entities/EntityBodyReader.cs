using System.Text.Json;
using EventsSubscriptions.Grains.Interfaces.Entities;

namespace EventsSubscriptions.Gateway.Entities;

/// <summary>
/// Checks an entity body as the entities API takes it: an object, its id (if any) the path's,
/// relation fields ids or null, and a region's name. Every error at once, named by its field.
/// </summary>
public static class EntityBodyReader
{
    /// <summary>The entity, or the errors; <paramref name="pathId"/> is null on POST, where the service assigns the id.</summary>
    public static (JsonObject? Entity, ValidationErrors Errors) Read(JsonElement body, string resource, long? pathId, RelationMap relations, bool patch)
    {
        var errors = new ValidationErrors();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "the body must be a JSON object");
            return (null, errors);
        }
        var entity = JsonNode.Parse(body.GetRawText())!.AsObject();
        if (entity.TryGetPropertyValue("id", out var idNode) && idNode is not null)
        {
            if (pathId is null)
            {
                errors.Add("id", "is assigned by the service on POST; use PUT to choose it");
            }
            else if (idNode is not JsonValue v || !v.TryGetValue<long>(out var given) || given != pathId)
            {
                errors.Add("id", $"must be {pathId}, the id in the path, or left out");
            }
        }
        foreach (var (name, value) in entity)
        {
            if (relations.TryGetResource(name, out var related) && value is not null
                && (value is not JsonValue scalar || !scalar.TryGetValue<long>(out var relatedId) || relatedId <= 0))
            {
                errors.Add(name, $"must be the id of a {related} entity (a positive integer) or null");
            }
        }
        if (resource == "regions")
        {
            var hasName = entity.TryGetPropertyValue("name", out var name) && name is not null;
            if (hasName && (name is not JsonValue n || !n.TryGetValue<string>(out var text) || string.IsNullOrWhiteSpace(text) || text.Length > 255))
            {
                errors.Add("name", "must be a string of 1 to 255 characters");
            }
            else if (!hasName && !patch)
            {
                errors.Add("name", "is required");
            }
            if (patch && entity.ContainsKey("name") && entity["name"] is null)
            {
                errors.Add("name", "cannot be removed");
            }
        }
        return errors.Any ? (null, errors) : (entity, errors);
    }
}
