using System.Text.Json.Nodes;

namespace EventsSubscriptions.Grains.Interfaces.Entities;

/// <summary>
/// The resources the service declares (TrackTik's usual ones, and more from configuration:
/// <c>Entities:Resources:&lt;name&gt;:Actions:0…</c>), with their triggers. Any lowercase plural
/// name is still an endpoint (the API is open to resources of your own); the catalog lets the API
/// list the events a subscription can name and catch a name one or two letters away from a
/// declared one (<c>employee</c>, <c>entity:employees:create</c>), which would otherwise be
/// accepted and never fire.
/// </summary>
public sealed class ResourceCatalog
{
    private static readonly (string Name, string[] Actions, string Description, string Example)[] Defaults =
    [
        ("employees", ["terminate", "rehire"], "People employed by the company", """{"id": 7, "firstName": "Ada", "lastName": "Lovelace", "region": 3, "position": 2}"""),
        ("sites", ["archive"], "Places where the work is done", """{"id": 11, "name": "Harbour warehouse", "region": 3, "client": 5}"""),
        ("regions", [], "The region tree: every entity may belong to one", """{"id": 3, "name": "East", "parentRegion": 1}"""),
        ("positions", [], "Posts at a site that shifts are scheduled for", """{"id": 2, "name": "Gatehouse", "site": 11}"""),
        ("shifts", ["clock-in", "clock-out"], "Scheduled work of an employee at a position", """{"id": 40, "employee": 7, "position": 2, "startsOn": "2026-11-29T08:00:00Z"}"""),
        ("clients", [], "Customers the sites belong to", """{"id": 5, "name": "Acme Logistics", "region": 3}"""),
        ("accounts", [], "Billing accounts", """{"id": 9, "name": "Acme EU", "client": 5}"""),
        ("incidents", ["close"], "Incident reports", """{"id": 77, "title": "Broken fence", "site": 11, "region": 3}"""),
    ];

    private readonly Dictionary<string, ResourceType> resources = new(StringComparer.Ordinal);

    public ResourceCatalog(IReadOnlyDictionary<string, string[]>? configuredActions = null)
    {
        foreach (var (name, actions, description, example) in Defaults)
        {
            resources[name] = new ResourceType(name, [.. EntityTriggers.Changes, .. actions], description, JsonNode.Parse(example)!.AsObject());
        }
        foreach (var (name, actions) in configuredActions ?? new Dictionary<string, string[]>())
        {
            var known = resources.TryGetValue(name, out var existing) ? existing.Triggers : EntityTriggers.Changes;
            resources[name] = new ResourceType(name, [.. known.Union(actions, StringComparer.Ordinal)],
                existing?.Description ?? "Declared by configuration", existing?.Example ?? new JsonObject { ["id"] = 1 });
        }
    }

    public IEnumerable<ResourceType> All => resources.Values.OrderBy(r => r.Name, StringComparer.Ordinal);

    /// <summary>The declared resource <paramref name="resource"/> is a near miss of (one or two edits), or null.</summary>
    public string? NearMiss(string resource) => resources.ContainsKey(resource) ? null : Closest(resource, resources.Keys);

    /// <summary>For a declared resource, the declared trigger <paramref name="trigger"/> is a near miss of, or null.</summary>
    public string? NearMissTrigger(string resource, string trigger) =>
        resources.TryGetValue(resource, out var type) && !type.Triggers.Contains(trigger, StringComparer.Ordinal)
            ? Closest(trigger, type.Triggers)
            : null;

    private static string? Closest(string word, IEnumerable<string> candidates)
    {
        if (word.Length < 4)
        {
            return null;
        }
        return candidates
            .Select(c => (Candidate: c, Distance: Distance(word, c)))
            .Where(c => c.Distance is > 0 and <= 2)
            .OrderBy(c => c.Distance).ThenBy(c => c.Candidate, StringComparer.Ordinal)
            .Select(c => c.Candidate)
            .FirstOrDefault();
    }

    /// <summary>Levenshtein distance (insertions, deletions, substitutions), for short names.</summary>
    public static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2)
        {
            return int.MaxValue;
        }
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
