using System.Text.Json;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Json;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using EventsSubscriptions.Grains.Interfaces.Text;

namespace EventsSubscriptions.Grains.Interfaces.Requests;

/// <summary>What a webhook carries and how it is sent: <c>entityResponse</c>, <c>failureEmail</c>, <c>language</c> and <c>delivery</c>.</summary>
internal static class DeliveryFieldReader
{
    internal static EntityResponse? ReadEntityResponse(Dictionary<string, JsonElement> seen, RelationMap relations, ValidationErrors errors)
    {
        if (!seen.TryGetValue("entityResponse", out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add("entityResponse", "must be an object {fields, include}");
            return null;
        }
        string[] fields = [], include = [];
        foreach (var property in value.EnumerateObject())
        {
            switch (property.Name)
            {
                case "fields":
                    fields = RequestFields.ReadNames(property.Value, "entityResponse.fields", SubscriptionRequestReader.MaxFields, Patterns.FieldSelector(), "a field path (a.b, or a.b:alias)", errors);
                    break;
                case "include":
                    include = RequestFields.ReadNames(property.Value, "entityResponse.include", SubscriptionRequestReader.MaxIncludes, Patterns.FieldPath(), "a relation name (region, or region.parentRegion)", errors);
                    foreach (var problem in EntityShaper.CheckInclude(include, relations))
                    {
                        errors.Add("entityResponse.include", problem);
                    }
                    break;
                default:
                    errors.Add($"entityResponse.{property.Name}", "is not a field of entityResponse");
                    break;
            }
        }
        return new EntityResponse(fields, include);
    }

    internal static string? ReadEmail(Dictionary<string, JsonElement> seen, ValidationErrors errors)
    {
        if (!seen.TryGetValue("failureEmail", out var value))
        {
            return null;
        }
        var text = RequestFields.StringOf(value, "failureEmail", 3, 254, errors);
        if (text is null)
        {
            return null;
        }
        if (!Patterns.Email().IsMatch(text) || !System.Net.Mail.MailAddress.TryCreate(text, out var address) || address.Address != text)
        {
            errors.Add("failureEmail", $"'{text}' is not an e-mail address");
            return null;
        }
        return text;
    }

    internal static string ReadLanguage(Dictionary<string, JsonElement> seen, ValidationErrors errors)
    {
        if (!seen.TryGetValue("language", out var value))
        {
            return "en-US";
        }
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : null;
        var canonical = SubscriptionRequestReader.Languages.FirstOrDefault(l => l.Equals(text, StringComparison.OrdinalIgnoreCase));
        if (canonical is null)
        {
            errors.Add("language", $"'{text ?? value.GetRawText()}' is not a supported language: {string.Join(", ", SubscriptionRequestReader.Languages)}");
            return "en-US";
        }
        return canonical;
    }

    internal static DeliveryOptions? ReadDelivery(Dictionary<string, JsonElement> seen, ValidationErrors errors)
    {
        if (!seen.TryGetValue("delivery", out var value))
        {
            return DeliveryOptions.Default;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add("delivery", "must be an object {maxInFlight, timeoutSeconds, maxPerSecond}");
            return null;
        }
        var options = DeliveryOptions.Default;
        foreach (var property in value.EnumerateObject())
        {
            var at = $"delivery.{property.Name}";
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            switch (property.Name)
            {
                case "maxInFlight":
                    if (property.Value.TryGetInt32(out var inFlight) && inFlight is >= 1 and <= 64)
                    {
                        options = options with { MaxInFlight = inFlight };
                    }
                    else
                    {
                        errors.Add(at, "must be an integer from 1 to 64");
                    }
                    break;
                case "timeoutSeconds":
                    if (property.Value.TryGetInt32(out var timeout) && timeout is >= 1 and <= 30)
                    {
                        options = options with { TimeoutSeconds = timeout };
                    }
                    else
                    {
                        errors.Add(at, "must be an integer from 1 to 30");
                    }
                    break;
                case "maxPerSecond":
                    if (property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetDouble(out var rate) && rate is > 0 and <= 10_000)
                    {
                        options = options with { MaxPerSecond = rate };
                    }
                    else
                    {
                        errors.Add(at, "must be a number above 0 and at most 10000");
                    }
                    break;
                default:
                    errors.Add(at, "is not a field of delivery");
                    break;
            }
        }
        return options;
    }
}
