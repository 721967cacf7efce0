using System.Text.Json;
using EventsSubscriptions.Grains.Interfaces.Json;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using EventsSubscriptions.Grains.Interfaces.Text;
using EventsSubscriptions.Grains.Interfaces.Webhooks;

namespace EventsSubscriptions.Grains.Interfaces.Requests;

/// <summary>Where and how a webhook goes: <c>url</c> (by the target policy), <c>secretHeaderName</c>, <c>secretHeaderMode</c>, <c>secret</c> and the extra <c>headers</c>.</summary>
internal static class TargetFieldReader
{
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

    internal static string? ReadUrl(WebhookTargetPolicy targets, Dictionary<string, JsonElement> seen, ValidationErrors errors)
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

    internal static string ReadHeaderName(Dictionary<string, JsonElement> seen, ValidationErrors errors)
    {
        if (!seen.TryGetValue("secretHeaderName", out var value))
        {
            return SubscriptionRequestReader.DefaultSecretHeaderName;
        }
        var name = RequestFields.StringOf(value, "secretHeaderName", 1, 100, errors);
        if (name is null)
        {
            return SubscriptionRequestReader.DefaultSecretHeaderName;
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
    internal static HeaderValues? ReadHeaders(JsonElement value, bool whole, string secretHeaderName, ValidationErrors errors)
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

    internal static SecretHeaderMode? ReadHeaderMode(Dictionary<string, JsonElement> seen, ValidationErrors errors)
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

    internal static string? ReadSecret(Dictionary<string, JsonElement> seen, bool required, ValidationErrors errors)
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
}
