using System.Text.Json;
using EventsSubscriptions.Grains.Interfaces.Json;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;

namespace EventsSubscriptions.Grains.Interfaces.Requests;

/// <summary><c>contextFilters</c>: the regions a subscription selects (tags, with or without their children) and those it excludes.</summary>
internal static class ScopeFieldReader
{
    internal static RegionScope? ReadScope(Dictionary<string, JsonElement> seen, ValidationErrors errors)
    {
        if (!seen.TryGetValue("contextFilters", out var value))
        {
            errors.Add("contextFilters", "is required");
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add("contextFilters", "must be an object with 'filters' (and optionally 'exclusions')");
            return null;
        }
        var filters = new List<ScopeFilter>();
        var exclusions = new List<long>();
        var hasFilters = false;
        foreach (var property in value.EnumerateObject())
        {
            switch (property.Name)
            {
                case "filters":
                    hasFilters = true;
                    ReadScopeFilters(property.Value, filters, errors);
                    break;
                case "exclusions":
                    if (property.Value.ValueKind == JsonValueKind.Null)
                    {
                        break;
                    }
                    if (property.Value.ValueKind != JsonValueKind.Array)
                    {
                        errors.Add("contextFilters.exclusions", "must be an array of context.region.<id> tags");
                        break;
                    }
                    if (property.Value.GetArrayLength() > SubscriptionRequestReader.MaxExclusions)
                    {
                        errors.Add("contextFilters.exclusions", $"must hold at most {SubscriptionRequestReader.MaxExclusions} tags");
                        break;
                    }
                    var i = 0;
                    foreach (var tag in property.Value.EnumerateArray())
                    {
                        var at = $"contextFilters.exclusions[{i++}]";
                        if (ParseTag(tag, at, errors, allowAny: false) is { } region)
                        {
                            exclusions.Add(region);
                        }
                    }
                    break;
                default:
                    errors.Add($"contextFilters.{property.Name}", "is not a field of contextFilters");
                    break;
            }
        }
        if (!hasFilters)
        {
            errors.Add("contextFilters.filters", "is required");
        }
        return new RegionScope([.. filters], [.. exclusions.Distinct()]);
    }

    internal static void ReadScopeFilters(JsonElement value, List<ScopeFilter> filters, ValidationErrors errors)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add("contextFilters.filters", "must be an array of {tag, includeChildren}");
            return;
        }
        var count = value.GetArrayLength();
        if (count < 1 || count > SubscriptionRequestReader.MaxScopeFilters)
        {
            errors.Add("contextFilters.filters", $"must hold 1 to {SubscriptionRequestReader.MaxScopeFilters} filters");
            return;
        }
        var distinct = new HashSet<ScopeFilter>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var at = $"contextFilters.filters[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors.Add(at, "must be an object {tag, includeChildren}");
                continue;
            }
            long? region = null;
            var valid = true;
            var hasTag = false;
            var includeChildren = false;
            foreach (var property in item.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "tag":
                        hasTag = true;
                        if (property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() == ScopeFilter.AnyRegionTag)
                        {
                            break;
                        }
                        region = ParseTag(property.Value, $"{at}.tag", errors, allowAny: true);
                        valid &= region is not null;
                        break;
                    case "includeChildren":
                        if (property.Value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                        {
                            includeChildren = property.Value.GetBoolean();
                        }
                        else if (property.Value.ValueKind != JsonValueKind.Null)
                        {
                            errors.Add($"{at}.includeChildren", "must be true or false");
                            valid = false;
                        }
                        break;
                    default:
                        errors.Add($"{at}.{property.Name}", "is not a field of a context filter");
                        valid = false;
                        break;
                }
            }
            if (!hasTag)
            {
                errors.Add($"{at}.tag", "is required");
                valid = false;
            }
            if (valid)
            {
                var filter = new ScopeFilter(region, includeChildren);
                if (distinct.Add(filter))
                {
                    filters.Add(filter);
                }
            }
        }
    }

    internal static long? ParseTag(JsonElement tag, string at, ValidationErrors errors, bool allowAny)
    {
        var text = tag.ValueKind == JsonValueKind.String ? tag.GetString()! : null;
        if (text is not null && text.StartsWith(ScopeFilter.RegionTagPrefix, StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(ScopeFilter.RegionTagPrefix.Length), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var region) && region > 0)
        {
            return region;
        }
        errors.Add(at, allowAny
            ? $"'{text ?? tag.GetRawText()}' is not a tag: use context.region.<id> or context.*"
            : $"'{text ?? tag.GetRawText()}' is not a region tag: use context.region.<id>");
        return null;
    }
}
