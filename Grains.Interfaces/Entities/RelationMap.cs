namespace EventsSubscriptions.Grains.Interfaces.Entities;

/// <summary>
/// Which entity fields hold ids of other resources (section <c>Entities:Relations</c>, field name
/// to resource). GET renders such a field as the id, or as the related entity when named in <c>include</c>.
/// </summary>
public sealed class RelationMap
{
    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["region"] = "regions",
        ["parentRegion"] = "regions",
        ["employee"] = "employees",
        ["site"] = "sites",
        ["position"] = "positions",
        ["client"] = "clients",
        ["account"] = "accounts",
        ["shift"] = "shifts",
    };

    private readonly Dictionary<string, string> relations;

    public RelationMap(IReadOnlyDictionary<string, string>? configured = null)
    {
        relations = new Dictionary<string, string>(Defaults, StringComparer.Ordinal);
        foreach (var (field, resource) in configured ?? new Dictionary<string, string>())
        {
            relations[field] = resource;
        }
    }

    public bool TryGetResource(string field, out string resource) => relations.TryGetValue(field, out resource!);

    public IEnumerable<string> Fields => relations.Keys;
}
