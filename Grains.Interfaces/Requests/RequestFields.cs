using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EventsSubscriptions.Grains.Interfaces.Json;

namespace EventsSubscriptions.Grains.Interfaces.Requests;

/// <summary>The primitive reads every field of a subscription body shares: strings within bounds, lists of names by pattern.</summary>
internal static class RequestFields
{
    internal static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => JsonValue.Create(v))]);

    internal static string? RequiredString(Dictionary<string, JsonElement> seen, string field, int min, int max, ValidationErrors errors)
    {
        if (!seen.TryGetValue(field, out var value))
        {
            errors.Add(field, "is required");
            return null;
        }
        return StringOf(value, field, min, max, errors);
    }

    internal static string? StringOf(JsonElement value, string field, int min, int max, ValidationErrors errors)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(field, "must be a string");
            return null;
        }
        var text = value.GetString()!;
        if (text.Length < min || text.Length > max)
        {
            errors.Add(field, min == max ? $"must be {min} characters" : $"must be {min} to {max} characters long");
            return null;
        }
        if (min > 0 && string.IsNullOrWhiteSpace(text))
        {
            errors.Add(field, "must not be blank");
            return null;
        }
        return text;
    }

    internal static string[] ReadNames(JsonElement value, string at, int max, Regex pattern, string what, ValidationErrors errors)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add(at, "must be an array of strings");
            return [];
        }
        if (value.GetArrayLength() > max)
        {
            errors.Add(at, $"must hold at most {max} names");
            return [];
        }
        var names = new List<string>();
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var text = item.ValueKind == JsonValueKind.String ? item.GetString()! : null;
            if (text is null || !pattern.IsMatch(text))
            {
                errors.Add($"{at}[{index}]", $"'{text ?? item.GetRawText()}' is not {what}");
            }
            else if (distinct.Add(text))
            {
                names.Add(text);
            }
            index++;
        }
        return [.. names];
    }

    /// <summary>The characters that change the direction text is shown in (bidirectional controls).</summary>
    internal static bool IsDirectionControl(char c) => c is '\u200E' or '\u200F' or '\u061C' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
