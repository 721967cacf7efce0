using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Filters;
using EventsSubscriptions.Grains.Interfaces.Json;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using EventsSubscriptions.Grains.Interfaces.Text;
using EventsSubscriptions.Grains.Interfaces.Webhooks;

namespace EventsSubscriptions.Grains.Interfaces.Requests;

/// <summary>
/// Reads a subscription body (create and PUT in the gateway; a PATCH merged onto the current one in
/// the subscription's grain) against every rule of the API, collecting all errors of the request;
/// unknown and read-only fields are refused. Gateway and silos build it from the same settings
/// (<c>Webhooks</c>, <c>Entities</c>), so both judge a body alike.
/// </summary>
public sealed class SubscriptionRequestReader(WebhookTargetPolicy targets, RelationMap relations, ResourceCatalog catalog)
{
    /// <summary>The relation fields a subscription's <c>entityResponse.include</c> may follow (also what shapes its payloads).</summary>
    public RelationMap Relations => relations;

    public const string DefaultSecretHeaderName = WebhookHeaders.DefaultSecretHeader;
    public const int MaxEvents = 50;
    public const int MaxScopeFilters = 100;
    public const int MaxExclusions = 1000;
    public const int MaxFields = EntityShaper.MaxFields;
    public const int MaxIncludes = EntityShaper.MaxIncludes;

    public static readonly IReadOnlyList<string> Languages = ["en-US", "fr", "es", "de", "nl", "pt", "sv", "ro", "zh-Hans", "th"];

    private static readonly IReadOnlySet<string> Fields = SubscriptionFields.Names;

    private static readonly IReadOnlySet<string> ReadOnlyFields = SubscriptionFields.ReadOnly;

    public SubscriptionReading Read(JsonElement body, bool secretRequired)
    {
        var errors = new ValidationErrors();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "the body must be a JSON object");
            return new SubscriptionReading(null, null, errors);
        }
        var seen = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            if (ReadOnlyFields.Contains(property.Name))
            {
                errors.Add(property.Name, property.Name == "status"
                    ? "is read-only: use the actions suspend, enable and archive"
                    : "is read-only");
            }
            else if (!Fields.Contains(property.Name))
            {
                errors.Add(property.Name, "is not a field of an events subscription");
            }
            else if (property.Value.ValueKind != JsonValueKind.Null)
            {
                seen[property.Name] = property.Value;
            }
        }

        var customId = RequestFields.RequiredString(seen, "customId", 1, 64, errors);
        if (customId is not null && customId.Any(char.IsControl))
        {
            // An identifier, compared and shown as given: no control characters (tenants' keys use one).
            errors.Add("customId", "must not hold control characters");
            customId = null;
        }
        if (customId is not null && customId.Any(c => char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format || char.IsWhiteSpace(c) && c != ' '))
        {
            // Zero-width and direction characters make two ids look alike that are not.
            errors.Add("customId", "must not hold invisible characters (zero-width, direction marks such as U+200B or U+202E, or whitespace other than spaces)");
            customId = null;
        }
        else if (customId is not null && string.IsNullOrWhiteSpace(customId))
        {
            errors.Add("customId", "must hold something besides spaces");
            customId = null;
        }
        var name = RequestFields.RequiredString(seen, "name", 1, 255, errors);
        if (name is not null && name.Any(RequestFields.IsDirectionControl))
        {
            // A right-to-left override shows a name backwards, or hides what follows it.
            errors.Add("name", "must not hold direction controls (U+200E, U+200F, U+061C, U+202A to U+202E, U+2066 to U+2069)");
            name = null;
        }
        var (events, resource) = ReadEvents(seen, errors);
        var scope = ScopeFieldReader.ReadScope(seen, errors);
        var userFilters = seen.TryGetValue("userDefinedFilters", out var filters)
            ? UserFilterParser.Parse(filters, "userDefinedFilters", errors.Raw)
            : null;
        var entityResponse = DeliveryFieldReader.ReadEntityResponse(seen, relations, errors);
        var url = TargetFieldReader.ReadUrl(targets, seen, errors);
        var headerName = TargetFieldReader.ReadHeaderName(seen, errors);
        var headerMode = TargetFieldReader.ReadHeaderMode(seen, errors);
        // "headers": null in a body (never in a merged patch: its headers are read apart) removes them all.
        var headers = seen.TryGetValue("headers", out var headersValue) ? TargetFieldReader.ReadHeaders(headersValue, whole: true, headerName, errors)
            : body.TryGetProperty("headers", out _) ? new HeaderValues(new Dictionary<string, string?>(), whole: true)
            : null;
        var secret = TargetFieldReader.ReadSecret(seen, secretRequired, errors);
        var failureEmail = DeliveryFieldReader.ReadEmail(seen, errors);
        var language = DeliveryFieldReader.ReadLanguage(seen, errors);
        var delivery = DeliveryFieldReader.ReadDelivery(seen, errors);

        if (errors.Any)
        {
            return new SubscriptionReading(null, null, errors);
        }
        var spec = new SubscriptionSpec
        {
            CustomId = customId!,
            Name = name!,
            Events = events!,
            Resource = resource!,
            ContextFilters = scope!,
            UserDefinedFilters = userFilters,
            EntityResponse = entityResponse,
            Url = url!,
            SecretHeaderName = headerName,
            SecretHeaderMode = headerMode,
            FailureEmail = failureEmail,
            Language = language,
            Delivery = delivery!,
        };
        return new SubscriptionReading(spec, secret is null ? null : new SecretText(secret), errors) { Headers = headers };
    }

    /// <summary>
    /// A JSON merge patch (RFC 7396) applied to <paramref name="current"/> as <see cref="Write"/>
    /// renders it, and the result read whole: every error at once, named by its field. Without a
    /// <c>secret</c> in the patch, the reading has none (the current one is kept).
    /// </summary>
    public SubscriptionReading ReadPatch(SubscriptionSpec current, JsonObject patch)
    {
        // The extra headers' values are write-only (not in what the patch is merged onto): the
        // patch's headers are read apart and merged by the grain onto the values it holds.
        patch = patch.DeepClone().AsObject();
        var hasHeaders = patch.Remove("headers", out var headersPatch);
        var reading = Read(JsonSerializer.SerializeToElement(MergePatch.Apply(Write(current), patch)), secretRequired: false);
        if (!hasHeaders)
        {
            return reading;
        }
        var headers = headersPatch is null
            ? new HeaderValues(new Dictionary<string, string?>(), whole: true)
            : TargetFieldReader.ReadHeaders(JsonSerializer.SerializeToElement(headersPatch), whole: false, reading.Spec?.SecretHeaderName ?? current.SecretHeaderName, reading.Errors);
        return reading.Errors.Any ? reading with { Spec = null } : reading with { Headers = headers };
    }

    /// <summary>
    /// A subscription as a request body that reads back as it (every request field but the secret,
    /// as the API's item renders them, nulls included): what a PATCH is merged onto.
    /// </summary>
    public static JsonObject Write(SubscriptionSpec spec) => new()
    {
        ["customId"] = spec.CustomId,
        ["name"] = spec.Name,
        ["events"] = RequestFields.Strings(spec.Events),
        ["contextFilters"] = new JsonObject
        {
            ["filters"] = new JsonArray([.. spec.ContextFilters.Filters.Select(f => new JsonObject { ["tag"] = f.Tag, ["includeChildren"] = f.IncludeChildren })]),
            ["exclusions"] = RequestFields.Strings(spec.ContextFilters.Exclusions.Select(r => $"{ScopeFilter.RegionTagPrefix}{r}")),
        },
        ["userDefinedFilters"] = spec.UserDefinedFilters is { } filters ? JsonNode.Parse(filters.Json) : null,
        ["entityResponse"] = spec.EntityResponse is { } shape
            ? new JsonObject { ["fields"] = RequestFields.Strings(shape.Fields), ["include"] = RequestFields.Strings(shape.Include) }
            : null,
        ["url"] = spec.Url,
        ["secretHeaderName"] = spec.SecretHeaderName,
        ["secretHeaderMode"] = WireText.Of(spec.HeaderMode),
        ["failureEmail"] = spec.FailureEmail,
        ["language"] = spec.Language,
        ["delivery"] = new JsonObject
        {
            ["maxInFlight"] = spec.Delivery.MaxInFlight,
            ["timeoutSeconds"] = spec.Delivery.TimeoutSeconds,
            ["maxPerSecond"] = spec.Delivery.MaxPerSecond,
        },
    };

    private (string[]?, string?) ReadEvents(Dictionary<string, JsonElement> seen, ValidationErrors errors)
    {
        if (!seen.TryGetValue("events", out var value))
        {
            errors.Add("events", "is required");
            return (null, null);
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add("events", "must be an array of event names");
            return (null, null);
        }
        if (value.GetArrayLength() is 0 or > MaxEvents)
        {
            errors.Add("events", $"must hold 1 to {MaxEvents} event names");
            return (null, null);
        }
        var names = new List<string>();
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        var resources = new SortedSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var at = $"events[{index++}]";
            if (item.ValueKind != JsonValueKind.String)
            {
                errors.Add(at, "must be a string");
                continue;
            }
            var match = Patterns.EventName().Match(item.GetString()!);
            if (!match.Success)
            {
                errors.Add(at, $"'{item.GetString()}' is not an event name: entity:<resource>:<trigger>, e.g. entity:employees:created");
                continue;
            }
            var resource = match.Groups["resource"].Value;
            var trigger = match.Groups["trigger"].Value;
            if (catalog.NearMiss(resource) is { } meant)
            {
                errors.Add(at, $"'{resource}' is not a known resource: did you mean entity:{meant}:{trigger}? (GET /rest/v1/event-types lists the events)");
                continue;
            }
            if (catalog.NearMissTrigger(resource, trigger) is { } meantTrigger)
            {
                errors.Add(at, $"'{trigger}' is not a trigger of {resource}: did you mean entity:{resource}:{meantTrigger}? (GET /rest/v1/event-types lists the events)");
                continue;
            }
            resources.Add(resource);
            if (distinct.Add(item.GetString()!))
            {
                names.Add(item.GetString()!);
            }
        }
        if (resources.Count > 1)
        {
            errors.Add("events", $"all events must name the same resource (found {string.Join(", ", resources)})");
        }
        return names.Count == 0 || resources.Count != 1 ? (null, null) : ([.. names], resources.Min);
    }

}
