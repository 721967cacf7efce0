using System.Text.Json;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Filters;

namespace EventsSubscriptions.Gateway.Entities;

/// <summary>What a list of entities asks for: the filters every element passes, a page, an order, a shape.</summary>
public sealed record EntityListQuery(FilterCondition[] Filters, int Limit, int Offset, bool Descending, string[] Include, string[] Fields);

/// <summary>
/// Reads the query string of <c>GET /rest/v1/{resource}</c>. Every parameter but <c>limit</c>,
/// <c>offset</c>, <c>sort</c>, <c>include</c> and <c>fields</c> is a filter, read by the parser of
/// subscriptions' <c>userDefinedFilters</c> (the same grammar and the same matching): <c>status=active</c>,
/// <c>salary:gt=1000</c>, <c>id:in=1,2</c>, and the value-less <c>address:isNull</c>.
/// </summary>
public static class EntityListQueryReader
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    private static readonly HashSet<string> Reserved = new(["limit", "offset", "sort", "include", "fields"], StringComparer.Ordinal);

    public static (EntityListQuery? Query, ValidationErrors Errors) Read(IQueryCollection query, RelationMap relations)
    {
        var errors = new ValidationErrors();
        var limit = ListQueryReader.Integer(query, "limit", DefaultLimit, 1, MaxLimit, errors);
        var offset = ListQueryReader.Integer(query, "offset", 0, 0, int.MaxValue, errors);
        var descending = false;
        if (query.TryGetValue("sort", out var sort))
        {
            switch (sort.ToString())
            {
                case "id" or "+id":
                    break;
                case "-id":
                    descending = true;
                    break;
                default:
                    errors.Add("sort", "must be id or -id: entities are listed in id order");
                    break;
            }
        }
        string[] include = [.. Split(query["include"])];
        string[] fields = [.. Split(query["fields"])];
        foreach (var error in EntityShaper.CheckInclude(include, relations))
        {
            errors.Add("include", error);
        }
        foreach (var error in EntityShaper.CheckFields(fields))
        {
            errors.Add("fields", error);
        }
        var filters = new JsonObject();
        var valueless = 0;
        foreach (var (key, values) in query.Where(p => !Reserved.Contains(p.Key)))
        {
            if (values.Count > 1)
            {
                errors.Add(key, "is given more than once: one value per filter (list values with commas: field:in=a,b)");
                continue;
            }
            var value = values.ToString();
            if (value.Length == 0 && (key.EndsWith(":isNull", StringComparison.OrdinalIgnoreCase) || key.EndsWith(":isNotNull", StringComparison.OrdinalIgnoreCase)))
            {
                // The JSON grammar's value-less form: a numeric key holding "<field>:isNull".
                filters[(valueless++).ToString(System.Globalization.CultureInfo.InvariantCulture)] = key;
            }
            else
            {
                filters[key] = value;
            }
        }
        var raw = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var parsed = UserFilterParser.Parse(JsonSerializer.SerializeToElement(filters), "", raw);
        foreach (var (where, messages) in raw)
        {
            // The parser names a filter by its key under a path; here the key is the parameter.
            var name = where.StartsWith('.') ? where[1..] : where;
            foreach (var message in messages)
            {
                errors.Add(name.Length == 0 ? "filters" : name, message);
            }
        }
        return errors.Any || parsed is null
            ? (null, errors)
            : (new EntityListQuery(parsed.Conditions, limit, offset, descending, include, fields), errors);
    }

    private static IEnumerable<string> Split(Microsoft.Extensions.Primitives.StringValues values) =>
        values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).Distinct();
}
