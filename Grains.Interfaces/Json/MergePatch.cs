using System.Text.Json.Nodes;

namespace EventsSubscriptions.Grains.Interfaces.Json;

/// <summary>
/// RFC 7396 JSON merge patch: objects merge member by member, null removes, anything else replaces.
/// Used for subscriptions (in the gateway) and entities (in their grain).
/// </summary>
public static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }
        var result = target is JsonObject targetObject ? targetObject.DeepClone().AsObject() : new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                result[name] = Apply(result[name], value);
            }
        }
        return result;
    }
}
