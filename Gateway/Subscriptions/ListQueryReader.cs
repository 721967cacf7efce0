using EventsSubscriptions.Grains.Interfaces.Filters;
using EventsSubscriptions.Grains.Interfaces.Text;
using Microsoft.Extensions.Primitives;

namespace EventsSubscriptions.Gateway.Subscriptions;

/// <summary>Reads the query string of a listing: TrackTik filters (<c>name:contains=</c>, <c>id:in=1,2</c>…), <c>sort</c>, paging.</summary>
public static class ListQueryReader
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    private static readonly Dictionary<string, ListField> FieldNames = new(StringComparer.Ordinal)
    {
        ["id"] = ListField.Id,
        ["customId"] = ListField.CustomId,
        ["name"] = ListField.Name,
        ["status"] = ListField.Status,
        ["createdOn"] = ListField.CreatedOn,
        ["updatedOn"] = ListField.UpdatedOn,
        ["health.state"] = ListField.HealthState,
    };

    private static IReadOnlyDictionary<string, FilterOperator> OperatorNames => FilterOperatorNames.ForLists;

    private static readonly string[] Statuses = [.. WireText.All<SubscriptionStatus>()];

    private static readonly string[] HealthStates = [.. WireText.All<HealthState>()];

    public static (SubscriptionListQuery? Query, ValidationErrors Errors) Read(IQueryCollection query)
    {
        var errors = new ValidationErrors();
        var limit = Integer(query, "limit", DefaultLimit, 1, MaxLimit, errors);
        var offset = Integer(query, "offset", 0, 0, int.MaxValue, errors);
        var includeInactive = false;
        var filters = new List<ListFilter>();
        var sort = new List<ListSort>();
        foreach (var (key, values) in query)
        {
            switch (key)
            {
                case "limit" or "offset":
                    break;
                case "includeInactive":
                    if (!bool.TryParse(values.ToString(), out includeInactive))
                    {
                        errors.Add(key, "must be true or false");
                    }
                    break;
                case "sort":
                    ReadSort(values, sort, errors);
                    break;
                default:
                    ReadFilter(key, values, filters, errors);
                    break;
            }
        }
        return errors.Any
            ? (null, errors)
            : (new SubscriptionListQuery([.. filters], [.. sort], limit, offset, includeInactive), errors);
    }

    internal static int Integer(IQueryCollection query, string key, int fallback, int min, int max, ValidationErrors errors)
    {
        if (!query.TryGetValue(key, out var values))
        {
            return fallback;
        }
        if (int.TryParse(values.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            && value >= min && value <= max)
        {
            return value;
        }
        errors.Add(key, max == int.MaxValue ? $"must be an integer of at least {min}" : $"must be an integer from {min} to {max}");
        return fallback;
    }

    private static void ReadSort(StringValues values, List<ListSort> sort, ValidationErrors errors)
    {
        foreach (var part in values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            var descending = part.StartsWith('-');
            var name = part.TrimStart('-', '+');
            if (FieldNames.TryGetValue(name, out var field))
            {
                sort.Add(new ListSort(field, descending));
            }
            else
            {
                errors.Add("sort", $"cannot sort by '{name}'; use {string.Join(", ", FieldNames.Keys)}, with '-' for descending");
            }
        }
    }

    private static void ReadFilter(string key, StringValues values, List<ListFilter> filters, ValidationErrors errors)
    {
        var colon = key.IndexOf(':');
        var name = colon < 0 ? key : key[..colon];
        if (!FieldNames.TryGetValue(name, out var field))
        {
            errors.Add(key, $"is not a parameter of this listing; filter on {string.Join(", ", FieldNames.Keys)}");
            return;
        }
        var op = FilterOperator.Equal;
        if (colon >= 0 && !OperatorNames.TryGetValue(key[(colon + 1)..], out op))
        {
            errors.Add(key, $"unknown operator '{key[(colon + 1)..]}'");
            return;
        }
        if (op is FilterOperator.Contains or FilterOperator.StartsWith or FilterOperator.EndsWith
            && field is ListField.CreatedOn or ListField.UpdatedOn)
        {
            errors.Add(key, $"'{name}' is a date: compare it with =, :not, :in, :gt, :gte, :lt or :lte");
            return;
        }
        foreach (var raw in values)
        {
            var items = op == FilterOperator.In
                ? (raw ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                : [raw ?? ""];
            if (items.Length == 0 || items.Any(i => i.Length == 0))
            {
                errors.Add(key, "needs a value");
                continue;
            }
            var textual = op is FilterOperator.Contains or FilterOperator.StartsWith or FilterOperator.EndsWith;
            var valid = textual || items.All(i => Valid(field, i));
            if (!valid)
            {
                errors.Add(key, field switch
                {
                    ListField.Id => "must be an integer",
                    ListField.Status => $"must be one of {string.Join(", ", Statuses)}",
                    ListField.HealthState => $"must be one of {string.Join(", ", HealthStates)}",
                    ListField.CreatedOn or ListField.UpdatedOn => "must be a date (yyyy-MM-dd or ISO 8601)",
                    _ => "is not valid",
                });
                continue;
            }
            filters.Add(new ListFilter(field, op, field is ListField.CreatedOn or ListField.UpdatedOn && !textual
                ? [.. items.Select(i => { FilterValues.TryParseDate(i, out var d); return d.ToString("O"); })]
                : items));
        }
    }

    private static bool Valid(ListField field, string value) => field switch
    {
        ListField.Id => long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _),
        ListField.Status => Statuses.Contains(value, StringComparer.OrdinalIgnoreCase),
        ListField.HealthState => HealthStates.Contains(value, StringComparer.OrdinalIgnoreCase),
        ListField.CreatedOn or ListField.UpdatedOn => FilterValues.TryParseDate(value, out _),
        _ => true,
    };
}
