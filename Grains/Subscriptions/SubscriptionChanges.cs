namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>What a change to a subscription must satisfy once merged whole, beyond the request's own rules.</summary>
internal static class SubscriptionChanges
{
    /// <summary>What refuses the change, by field; null when nothing does.</summary>
    /// <param name="currentSendable">Whether the stored secret may travel as a header value (asked only when it matters).</param>
    public static Dictionary<string, string[]>? Errors(SubscriptionSpec spec, string previousUrl, SecretText? secret,
        HeaderValues? headers, Dictionary<string, string> extra, Func<bool> currentSendable)
    {
        if (spec.HeaderMode == SecretHeaderMode.Secret && secret is null && !currentSendable())
        {
            // A secret stored before secrets had to be sendable, asked to be sent as it is.
            return new()
            {
                ["secretHeaderMode"] = ["the current secret cannot be sent as a header value (it must be printable ASCII with no space at either end): give a new secret with this mode"],
            };
        }
        if (HeadersProblem(extra, spec.SecretHeaderName) is { } problem)
        {
            return new() { ["headers"] = [problem] };
        }
        return MovedWithout(spec, previousUrl, secret, headers, extra);
    }

    /// <summary>
    /// A subscription whose URL moves to another origin sends what it holds in clear (the secret
    /// itself, the extra headers) to that origin: whoever may change the URL must then give them
    /// again, so that a changed URL cannot be used to read them. The errors, or null.
    /// </summary>
    private static Dictionary<string, string[]>? MovedWithout(SubscriptionSpec spec, string previousUrl, SecretText? secret,
        HeaderValues? headers, Dictionary<string, string> extra)
    {
        if (Origin(spec.Url) == Origin(previousUrl))
        {
            return null;
        }
        var errors = new Dictionary<string, string[]>();
        if (spec.HeaderMode == SecretHeaderMode.Secret && secret is null)
        {
            errors["secret"] = ["is required with a url of another origin (scheme, host or port): the secret header carries it there"];
        }
        if (extra.Count > 0 && headers is null)
        {
            errors["headers"] = ["are required with a url of another origin (scheme, host or port): they are sent there (give them again, or null to remove them)"];
        }
        return errors.Count == 0 ? null : errors;
    }

    /// <summary>What the merged headers break, checked once the whole change is known; null when nothing.</summary>
    private static string? HeadersProblem(Dictionary<string, string> headers, string secretHeaderName) =>
        headers.Count > HeaderValues.MaxCount ? $"at most {HeaderValues.MaxCount} headers ({headers.Count} with this change)"
        : headers.ContainsKey(secretHeaderName) ? $"'{secretHeaderName}' is the secret header (secretHeaderName): remove it from the headers or name another"
        : null;

    public static SubscriptionResult CustomIdTaken(string customId) =>
        SubscriptionResult.Fail(SubscriptionOutcome.CustomIdTaken, $"customId '{customId}' is used by another subscription");

    private static string Origin(string url) => new Uri(url).GetLeftPart(UriPartial.Authority).ToLowerInvariant();
}
