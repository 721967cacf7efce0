using System.Globalization;

namespace EventsSubscriptions.Grains.Interfaces.Entities;

/// <summary>
/// An entity's key, <c>resource/id</c>: the key of its grain, and the <c>entity_key</c> of its
/// deliveries. Routers' keys have the same shape with a partition in place of the id.
/// </summary>
public readonly record struct EntityKey(string Resource, long Id)
{
    public override string ToString() => Format(Resource, Id);

    public static string Format(string resource, long id) => $"{resource}/{id.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Splits <c>resource/number</c> at its last slash; throws on anything else.</summary>
    public static EntityKey Parse(string key) => TryParse(key, out var parsed)
        ? parsed
        : throw new FormatException($"'{key}' is not a key of the form resource/number");

    public static bool TryParse(string key, out EntityKey parsed)
    {
        var slash = key.LastIndexOf('/');
        if (slash > 0 && long.TryParse(key.AsSpan(slash + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
        {
            parsed = new EntityKey(key[..slash], id);
            return true;
        }
        parsed = default;
        return false;
    }
}
