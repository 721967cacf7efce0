using EventsSubscriptions.Grains.Interfaces.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EventsSubscriptions.Grains.Interfaces.Filters;

/// <summary>
/// Turns a <c>userDefinedFilters</c> object into <see cref="FilterCondition"/>s, or into errors
/// keyed by the path of the offending key (<c>userDefinedFilters.salary:gt</c>).
/// </summary>
public static partial class UserFilterParser
{
    public const int MaxFilters = 100;

    /// <summary>The most values one filter may list (<c>in</c>, <c>inSet</c>).</summary>
    public const int MaxValues = 100;

    private static IReadOnlyDictionary<string, FilterOperator> Operators => FilterOperatorNames.All;

    public static UserDefinedFilters? Parse(JsonElement filters, string at, IDictionary<string, List<string>> errors)
    {
        if (filters.ValueKind != JsonValueKind.Object)
        {
            Add(errors, at, "must be an object of filters");
            return null;
        }
        var conditions = new List<FilterCondition>();
        var count = 0;
        foreach (var property in filters.EnumerateObject())
        {
            var where = $"{at}.{property.Name}";
            if (++count > MaxFilters)
            {
                Add(errors, at, $"holds more than {MaxFilters} filters");
                break;
            }
            var condition = property.Name.All(char.IsAsciiDigit) && property.Name.Length > 0
                ? ParseValueless(property.Value, where, errors)
                : ParseKeyed(property.Name, property.Value, where, errors);
            if (condition is not null)
            {
                conditions.Add(condition with { Key = property.Name });
            }
        }
        return new UserDefinedFilters([.. conditions], filters.GetRawText());
    }

    private static FilterCondition? ParseValueless(JsonElement value, string where, IDictionary<string, List<string>> errors)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            Add(errors, where, "a numeric key holds a value-less filter as a string, e.g. \"address:isNull\"");
            return null;
        }
        var text = value.GetString()!;
        var colon = text.LastIndexOf(':');
        var op = colon < 0 ? "" : text[(colon + 1)..];
        var path = colon < 0 ? text : text[..colon];
        FilterOperator? parsed = op.ToLowerInvariant() switch
        {
            "isnull" => FilterOperator.IsNull,
            "isnotnull" => FilterOperator.IsNotNull,
            _ => null,
        };
        if (parsed is null)
        {
            Add(errors, where, $"'{text}' is not a value-less filter: use '<field>:isNull' or '<field>:isNotNull'");
            return null;
        }
        if (!Patterns.FieldPath().IsMatch(path))
        {
            Add(errors, where, $"'{path}' is not a field path (letters, digits and '_', dotted)");
            return null;
        }
        return new FilterCondition("", path, parsed.Value, [], false);
    }

    private static FilterCondition? ParseKeyed(string key, JsonElement value, string where, IDictionary<string, List<string>> errors)
    {
        var colon = key.IndexOf(':');
        var path = colon < 0 ? key : key[..colon];
        var opText = colon < 0 ? null : key[(colon + 1)..];
        if (!Patterns.FieldPath().IsMatch(path))
        {
            Add(errors, where, $"'{path}' is not a field path (letters, digits and '_', dotted)");
            return null;
        }
        var op = FilterOperator.Equal;
        if (opText is not null)
        {
            if (opText.Equals("isNull", StringComparison.OrdinalIgnoreCase) || opText.Equals("isNotNull", StringComparison.OrdinalIgnoreCase))
            {
                Add(errors, where, $"value-less filters go under a numeric key: \"0\": \"{path}:{opText}\"");
                return null;
            }
            if (!Operators.TryGetValue(opText, out op))
            {
                Add(errors, where, $"unknown operator '{opText}'; known: {string.Join(", ", KnownOperators)}");
                return null;
            }
        }

        var values = ReadValues(value, op, where, errors);
        if (values is null)
        {
            return null;
        }
        var matchAll = false;
        switch (op)
        {
            case FilterOperator.GreaterThan or FilterOperator.GreaterOrEqual or FilterOperator.LessThan or FilterOperator.LessOrEqual:
                if (!FilterValues.TryParseNumber(values[0], out _) && !FilterValues.TryParseDate(values[0], out _))
                {
                    Add(errors, where, $"'{values[0]}' is neither a number nor a date (yyyy-MM-dd or ISO 8601)");
                    return null;
                }
                break;
            case FilterOperator.Before or FilterOperator.After:
                if (!FilterValues.TryParseDate(values[0], out _))
                {
                    Add(errors, where, $"'{values[0]}' is not a date (yyyy-MM-dd or ISO 8601)");
                    return null;
                }
                break;
            case FilterOperator.Between:
                var bounds = values[0].Split('|');
                var bothDates = bounds.Length == 2 && bounds.All(b => FilterValues.TryParseDate(b, out _));
                var bothNumbers = bounds.Length == 2 && bounds.All(b => FilterValues.TryParseNumber(b, out _));
                if (!bothDates && !bothNumbers)
                {
                    Add(errors, where, $"'{values[0]}' is not two dates (or two numbers) separated by '|'");
                    return null;
                }
                values = bounds.Select(b => b.Trim()).ToArray();
                break;
            case FilterOperator.InSet:
                matchAll = !values[0].Contains('|');
                values = values[0].Split(matchAll ? ',' : '|').Select(v => v.Trim()).ToArray();
                if (values.Length > MaxValues)
                {
                    Add(errors, where, $"lists more than {MaxValues} values");
                    return null;
                }
                if (values.Any(v => v.Length == 0))
                {
                    Add(errors, where, "holds an empty set member");
                    return null;
                }
                break;
        }
        return new FilterCondition("", path, op, values, matchAll);
    }

    private static string[]? ReadValues(JsonElement value, FilterOperator op, string where, IDictionary<string, List<string>> errors)
    {
        if (op == FilterOperator.In && value.ValueKind == JsonValueKind.Array)
        {
            if (value.GetArrayLength() > MaxValues)
            {
                Add(errors, where, $"lists more than {MaxValues} values");
                return null;
            }
            var items = new List<string>();
            foreach (var item in value.EnumerateArray())
            {
                if (Scalar(item) is not { } text)
                {
                    Add(errors, where, "the list holds something that is not a string, number or boolean");
                    return null;
                }
                items.Add(text);
            }
            if (items.Count == 0)
            {
                Add(errors, where, "the list is empty");
                return null;
            }
            return [.. items];
        }
        if (Scalar(value) is not { } single)
        {
            Add(errors, where, "needs a string, number or boolean value");
            return null;
        }
        if (op == FilterOperator.In)
        {
            var items = single.Split(',').Select(v => v.Trim()).ToArray();
            if (items.Length > MaxValues)
            {
                Add(errors, where, $"lists more than {MaxValues} values");
                return null;
            }
            if (items.Any(v => v.Length == 0))
            {
                Add(errors, where, "holds an empty list member");
                return null;
            }
            return items;
        }
        if (single.Length == 0 && op is not (FilterOperator.Equal or FilterOperator.NotEqual))
        {
            Add(errors, where, "needs a value");
            return null;
        }
        return [single];
    }

    private static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    private static IEnumerable<string> KnownOperators =>
        Operators.Keys.Select(k => k == "startswith" ? "startsWith" : k == "endswith" ? "endsWith" : k == "inset" ? "inSet" : k)
            .Concat(["isNull", "isNotNull"]);

    private static void Add(IDictionary<string, List<string>> errors, string key, string message)
    {
        if (!errors.TryGetValue(key, out var list))
        {
            errors[key] = list = [];
        }
        list.Add(message);
    }
}
