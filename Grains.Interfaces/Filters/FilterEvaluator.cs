using System.Text.Json.Nodes;

namespace EventsSubscriptions.Grains.Interfaces.Filters;

/// <summary>
/// Decides whether an entity (as GET renders it) satisfies every condition of a subscription.
/// Strings compare case-insensitively; numbers and dates compare as such; an array field matches
/// an equality test when any of its items does. A missing field is null.
/// </summary>
public static class FilterEvaluator
{
    public static bool Matches(IReadOnlyList<FilterCondition> conditions, JsonObject entity)
    {
        foreach (var condition in conditions)
        {
            if (!Holds(condition, Resolve(entity, condition.Path)))
            {
                return false;
            }
        }
        return true;
    }

    public static bool Holds(FilterCondition condition, JsonNode? value)
    {
        var values = condition.Values;
        return condition.Operator switch
        {
            FilterOperator.IsNull => value is null,
            FilterOperator.IsNotNull => value is not null,
            FilterOperator.Equal => value is not null && AnyItem(value, v => EqualTo(v, values[0])),
            FilterOperator.NotEqual => value is null || !AnyItem(value, v => EqualTo(v, values[0])),
            FilterOperator.In => value is not null && AnyItem(value, v => values.Any(x => EqualTo(v, x))),
            FilterOperator.Contains => AsText(value) is { } t && t.Contains(values[0], StringComparison.OrdinalIgnoreCase),
            FilterOperator.StartsWith => AsText(value) is { } s && s.StartsWith(values[0], StringComparison.OrdinalIgnoreCase),
            FilterOperator.EndsWith => AsText(value) is { } e && e.EndsWith(values[0], StringComparison.OrdinalIgnoreCase),
            FilterOperator.GreaterThan => Compare(value, values[0]) > 0,
            FilterOperator.GreaterOrEqual => Compare(value, values[0]) >= 0,
            FilterOperator.LessThan => Compare(value, values[0]) is { } lt && lt < 0,
            FilterOperator.LessOrEqual => Compare(value, values[0]) is { } le && le <= 0,
            FilterOperator.Before => CompareDates(value, values[0]) is { } b && b < 0,
            FilterOperator.After => CompareDates(value, values[0]) > 0,
            FilterOperator.Between => Compare(value, values[0]) >= 0 && Compare(value, values[1]) is { } upper && upper <= 0,
            FilterOperator.InSet => InSet(value, values, condition.MatchAll),
            _ => false,
        };
    }

    /// <summary>Follows a dotted path through nested objects; null when any step is missing.</summary>
    public static JsonNode? Resolve(JsonObject entity, string path)
    {
        JsonNode? current = entity;
        foreach (var part in path.Split('.'))
        {
            if (current is not JsonObject obj || !obj.TryGetPropertyValue(part, out current))
            {
                return null;
            }
        }
        return current;
    }

    private static bool AnyItem(JsonNode value, Func<JsonNode, bool> test) =>
        value is JsonArray array ? array.Any(item => item is not null && test(item)) : test(value);

    private static bool EqualTo(JsonNode value, string expected)
    {
        if (value is not JsonValue scalar)
        {
            return false;
        }
        if (scalar.TryGetValue<bool>(out var flag))
        {
            return bool.TryParse(expected, out var wanted) && flag == wanted;
        }
        if (AsNumber(value) is { } number && FilterValues.TryParseNumber(expected, out var expectedNumber))
        {
            return number == expectedNumber;
        }
        return AsText(value) is { } text && string.Equals(text, expected, StringComparison.OrdinalIgnoreCase);
    }

    private static bool InSet(JsonNode? value, string[] members, bool all)
    {
        var held = value switch
        {
            JsonArray array => array.Select(AsText).Where(t => t is not null).ToList(),
            JsonValue => (AsText(value) ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(t => (string?)t).ToList(),
            _ => [],
        };
        bool Has(string member) => held.Any(h => string.Equals(h, member, StringComparison.OrdinalIgnoreCase));
        return all ? members.All(Has) : members.Any(Has);
    }

    /// <summary>Numbers compare as numbers, else dates as dates; null when the two are not comparable.</summary>
    private static int? Compare(JsonNode? value, string bound)
    {
        if (AsNumber(value) is { } number && FilterValues.TryParseNumber(bound, out var limit))
        {
            return number.CompareTo(limit);
        }
        return CompareDates(value, bound);
    }

    private static int? CompareDates(JsonNode? value, string bound) =>
        AsText(value) is { } text && FilterValues.TryParseDate(text, out var date) && FilterValues.TryParseDate(bound, out var limit)
            ? date.CompareTo(limit)
            : null;

    /// <summary>A scalar as a number (a JSON number, or text that reads as one); null otherwise.</summary>
    public static double? AsNumber(JsonNode? value)
    {
        if (value is not JsonValue scalar)
        {
            return null;
        }
        if (scalar.TryGetValue<double>(out var number))
        {
            return number;
        }
        return scalar.TryGetValue<string>(out var text) && FilterValues.TryParseNumber(text, out var parsed) ? parsed : null;
    }

    /// <summary>A scalar as the text it is compared by; null for objects, arrays and null.</summary>
    public static string? AsText(JsonNode? value) => value switch
    {
        JsonValue scalar when scalar.TryGetValue<string>(out var text) => text,
        JsonValue scalar when scalar.TryGetValue<bool>(out var flag) => flag ? "true" : "false",
        JsonValue scalar => scalar.ToJsonString(),
        _ => null,
    };

}
