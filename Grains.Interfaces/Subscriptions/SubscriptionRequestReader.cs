using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Filters;
using EventsSubscriptions.Grains.Interfaces.Json;
using EventsSubscriptions.Grains.Interfaces.Text;
using EventsSubscriptions.Grains.Interfaces.Webhooks;

namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

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

    /// <summary>Headers the service sets on every call, or that HTTP reserves: a secret header may not reuse them.</summary>
    private static readonly HashSet<string> ReservedHeaders = new(
    [
        .. WebhookHeaders.Set,
        "content-type", "content-length", "content-encoding", "transfer-encoding", "host", "connection", "keep-alive",
        "te", "trailer", "upgrade", "expect", "date", "proxy-authorization", "proxy-connection", "cookie", "authorization", "set-cookie",
        // Content headers: .NET sends them only on a request's content, so one used as the secret header would be dropped.
        "expires", "allow", "last-modified",
    ], StringComparer.OrdinalIgnoreCase);

    /// <summary>Whole families of names reserved: Standard Webhooks' own, and content headers.</summary>
    private static readonly string[] ReservedPrefixes = ["webhook-", "content-", "proxy-", "sec-"];

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

        var customId = RequiredString(seen, "customId", 1, 64, errors);
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
        var name = RequiredString(seen, "name", 1, 255, errors);
        if (name is not null && name.Any(IsDirectionControl))
        {
            // A right-to-left override shows a name backwards, or hides what follows it.
            errors.Add("name", "must not hold direction controls (U+200E, U+200F, U+061C, U+202A to U+202E, U+2066 to U+2069)");
            name = null;
        }
        var (events, resource) = ReadEvents(seen, errors);
        var scope = ReadScope(seen, errors);
        var userFilters = seen.TryGetValue("userDefinedFilters", out var filters)
            ? UserFilterParser.Parse(filters, "userDefinedFilters", errors.Raw)
            : null;
        var entityResponse = ReadEntityResponse(seen, relations, errors);
        var url = ReadUrl(seen, errors);
        var headerName = ReadHeaderName(seen, errors);
        var headerMode = ReadHeaderMode(seen, errors);
        // "headers": null in a body (never in a merged patch: its headers are read apart) removes them all.
        var headers = seen.TryGetValue("headers", out var headersValue) ? ReadHeaders(headersValue, whole: true, headerName, errors)
            : body.TryGetProperty("headers", out _) ? new HeaderValues(new Dictionary<string, string?>(), whole: true)
            : null;
        var secret = ReadSecret(seen, secretRequired, errors);
        var failureEmail = ReadEmail(seen, errors);
        var language = ReadLanguage(seen, errors);
        var delivery = ReadDelivery(seen, errors);

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
            : ReadHeaders(JsonSerializer.SerializeToElement(headersPatch), whole: false, reading.Spec?.SecretHeaderName ?? current.SecretHeaderName, reading.Errors);
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
        ["events"] = Strings(spec.Events),
        ["contextFilters"] = new JsonObject
        {
            ["filters"] = new JsonArray([.. spec.ContextFilters.Filters.Select(f => new JsonObject { ["tag"] = f.Tag, ["includeChildren"] = f.IncludeChildren })]),
            ["exclusions"] = Strings(spec.ContextFilters.Exclusions.Select(r => $"{ScopeFilter.RegionTagPrefix}{r}")),
        },
        ["userDefinedFilters"] = spec.UserDefinedFilters is { } filters ? JsonNode.Parse(filters.Json) : null,
        ["entityResponse"] = spec.EntityResponse is { } shape
            ? new JsonObject { ["fields"] = Strings(shape.Fields), ["include"] = Strings(shape.Include) }
            : null,
        ["url"] = spec.Url,
        ["secretHeaderName"] = spec.SecretHeaderName,
        ["secretHeaderMode"] = SecretHeaderModes.Name(spec.HeaderMode),
        ["failureEmail"] = spec.FailureEmail,
        ["language"] = spec.Language,
        ["delivery"] = new JsonObject
        {
            ["maxInFlight"] = spec.Delivery.MaxInFlight,
            ["timeoutSeconds"] = spec.Delivery.TimeoutSeconds,
            ["maxPerSecond"] = spec.Delivery.MaxPerSecond,
        },
    };

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => JsonValue.Create(v))]);

    private static string? RequiredString(Dictionary<string, JsonElement> seen, string field, int min, int max, ValidationErrors errors)
    {
        if (!seen.TryGetValue(field, out var value))
        {
            errors.Add(field, "is required");
            return null;
        }
        return StringOf(value, field, min, max, errors);
    }

    private static string? StringOf(JsonElement value, string field, int min, int max, ValidationErrors errors)
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

    private static RegionScope? ReadScope(Dictionary<string, JsonElement> seen, ValidationErrors errors)
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
                    if (property.Value.GetArrayLength() > MaxExclusions)
                    {
                        errors.Add("contextFilters.exclusions", $"must hold at most {MaxExclusions} tags");
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

    private static void ReadScopeFilters(JsonElement value, List<ScopeFilter> filters, ValidationErrors errors)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            errors.Add("contextFilters.filters", "must be an array of {tag, includeChildren}");
            return;
        }
        var count = value.GetArrayLength();
        if (count < 1 || count > MaxScopeFilters)
        {
            errors.Add("contextFilters.filters", $"must hold 1 to {MaxScopeFilters} filters");
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

    private static long? ParseTag(JsonElement tag, string at, ValidationErrors errors, bool allowAny)
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

    private static EntityResponse? ReadEntityResponse(Dictionary<string, JsonElement> seen, RelationMap relations, ValidationErrors errors)
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
                    fields = ReadNames(property.Value, "entityResponse.fields", MaxFields, Patterns.FieldSelector(), "a field path (a.b, or a.b:alias)", errors);
                    break;
                case "include":
                    include = ReadNames(property.Value, "entityResponse.include", MaxIncludes, Patterns.FieldPath(), "a relation name (region, or region.parentRegion)", errors);
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

    private static string[] ReadNames(JsonElement value, string at, int max, Regex pattern, string what, ValidationErrors errors)
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

    private string? ReadUrl(Dictionary<string, JsonElement> seen, ValidationErrors errors)
    {
        if (!seen.TryGetValue("url", out var value))
        {
            errors.Add("url", "is required");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add("url", "must be a string");
            return null;
        }
        var url = value.GetString()!;
        var problems = targets.CheckUrl(url);
        foreach (var problem in problems)
        {
            errors.Add("url", problem);
        }
        return problems.Count == 0 ? AsciiHost(url) : null;
    }

    /// <summary>
    /// A URL whose host is not ASCII, with its host in its ASCII (punycode) form, as it is resolved
    /// and as the API shows it from then on: a look-alike host (Cyrillic "а" for Latin "a") shows
    /// what it is. Other URLs are kept as given.
    /// </summary>
    internal static string AsciiHost(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.All(char.IsAscii))
        {
            return url;
        }
        var ascii = new System.Text.StringBuilder(uri.Scheme).Append("://");
        if (uri.UserInfo.Length > 0)
        {
            ascii.Append(uri.UserInfo).Append('@');
        }
        ascii.Append(uri.IdnHost);
        if (!uri.IsDefaultPort)
        {
            ascii.Append(':').Append(uri.Port);
        }
        return ascii.Append(uri.PathAndQuery).Append(uri.Fragment).ToString();
    }

    /// <summary>The characters that change the direction text is shown in (bidirectional controls).</summary>
    private static bool IsDirectionControl(char c) => c is '\u200E' or '\u200F' or '\u061C' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    private static string ReadHeaderName(Dictionary<string, JsonElement> seen, ValidationErrors errors)
    {
        if (!seen.TryGetValue("secretHeaderName", out var value))
        {
            return DefaultSecretHeaderName;
        }
        var name = StringOf(value, "secretHeaderName", 1, 100, errors);
        if (name is null)
        {
            return DefaultSecretHeaderName;
        }
        if (!Patterns.HeaderName().IsMatch(name))
        {
            errors.Add("secretHeaderName", "must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~, no spaces");
        }
        else if (ReservedHeaders.Contains(name) || ReservedPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add("secretHeaderName", $"'{name}' is a header the service sets itself or HTTP reserves");
        }
        return name;
    }

    /// <summary>
    /// The extra headers: an object of header names and values, at most <see cref="HeaderValues.MaxCount"/>
    /// (in a patch, a null value removes its header). Values are never echoed in an error.
    /// </summary>
    private static HeaderValues? ReadHeaders(JsonElement value, bool whole, string secretHeaderName, ValidationErrors errors)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add("headers", "must be an object of header names and their values");
            return null;
        }
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var before = errors.Raw.Values.Sum(messages => messages.Count);
        foreach (var property in value.EnumerateObject())
        {
            var name = property.Name;
            var field = $"headers.{(name.Length > 100 ? name[..100] + "…" : name)}";
            if (name.Length > 100 || !Patterns.HeaderName().IsMatch(name))
            {
                errors.Add(field, "must be an HTTP header name of at most 100 characters: letters, digits and !#$%&'*+-.^_`|~, no spaces");
            }
            else if (!name.Equals("authorization", StringComparison.OrdinalIgnoreCase)
                && (ReservedHeaders.Contains(name) || ReservedPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase))))
            {
                errors.Add(field, "is a header the service sets itself or HTTP reserves");
            }
            else if (values.ContainsKey(name))
            {
                errors.Add(field, "is named twice (header names ignore case)");
            }
            else if (property.Value.ValueKind == JsonValueKind.Null && !whole)
            {
                // A removal, whatever the name: the grain checks the headers that remain.
                values[name] = null;
            }
            else if (name.Equals(secretHeaderName, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(field, "is the secret header (secretHeaderName): the service sets it");
            }
            else if (property.Value.ValueKind != JsonValueKind.String)
            {
                errors.Add(field, whole ? "must be a string" : "must be a string, or null to remove the header");
            }
            else if (property.Value.GetString() is not { Length: > 0 and <= HeaderValues.MaxValueLength } text || !SecretHeaderModes.Sendable(text))
            {
                errors.Add(field, $"must be 1-{HeaderValues.MaxValueLength} printable ASCII characters with no space at either end");
            }
            else
            {
                values[name] = text;
            }
        }
        if (whole && values.Count > HeaderValues.MaxCount)
        {
            errors.Add("headers", $"at most {HeaderValues.MaxCount} headers");
        }
        return errors.Raw.Values.Sum(messages => messages.Count) > before ? null : new HeaderValues(values, whole);
    }

    private static SecretHeaderMode? ReadHeaderMode(Dictionary<string, JsonElement> seen, ValidationErrors errors)
    {
        if (!seen.TryGetValue("secretHeaderMode", out var value))
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.String && SecretHeaderModes.Parse(value.GetString()!) is { } mode)
        {
            return mode;
        }
        errors.Add("secretHeaderMode", $"must be \"{SecretHeaderModes.Secret}\" (the secret itself, as TrackTik sends it) or \"{SecretHeaderModes.HmacSha512}\" (the hex HMAC-SHA512 of the body)");
        return null;
    }

    private static string? ReadSecret(Dictionary<string, JsonElement> seen, bool required, ValidationErrors errors)
    {
        if (!seen.TryGetValue("secret", out var value))
        {
            if (required)
            {
                errors.Add("secret", "is required");
            }
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add("secret", "must be a string");
            return null;
        }
        var secret = value.GetString()!;
        // Never echo the secret, not even in an error.
        if (secret.Length is < 16 or > 256)
        {
            errors.Add("secret", "must be 16 to 256 characters long");
            return null;
        }
        if (string.IsNullOrWhiteSpace(secret) || secret.Any(char.IsControl))
        {
            errors.Add("secret", "must not be blank or hold control characters");
            return null;
        }
        if (!SecretHeaderModes.Sendable(secret))
        {
            // It travels as a header value: HTTP carries ASCII, and trims spaces at either end.
            errors.Add("secret", "must be printable ASCII with no space at either end (it is sent as a header value)");
            return null;
        }
        if (StandardWebhookKey.IsWeak(secret))
        {
            errors.Add("secret", "a whsec_ secret must be followed by the base64 of at least 16 bytes (its signing key)");
            return null;
        }
        return secret;
    }

    private static string? ReadEmail(Dictionary<string, JsonElement> seen, ValidationErrors errors)
    {
        if (!seen.TryGetValue("failureEmail", out var value))
        {
            return null;
        }
        var text = StringOf(value, "failureEmail", 3, 254, errors);
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

    private static string ReadLanguage(Dictionary<string, JsonElement> seen, ValidationErrors errors)
    {
        if (!seen.TryGetValue("language", out var value))
        {
            return "en-US";
        }
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : null;
        var canonical = Languages.FirstOrDefault(l => l.Equals(text, StringComparison.OrdinalIgnoreCase));
        if (canonical is null)
        {
            errors.Add("language", $"'{text ?? value.GetRawText()}' is not a supported language: {string.Join(", ", Languages)}");
            return "en-US";
        }
        return canonical;
    }

    private static DeliveryOptions? ReadDelivery(Dictionary<string, JsonElement> seen, ValidationErrors errors)
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
