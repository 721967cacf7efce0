namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>
/// What a call carries in the subscription's <c>secretHeaderName</c> header (API field
/// <c>secretHeaderMode</c>). The Standard Webhooks headers sign the body in either mode.
/// </summary>
public enum SecretHeaderMode
{
    /// <summary>
    /// <c>hmac-sha512</c>: the lowercase hex HMAC-SHA512 of the body, keyed with the secret. What
    /// every subscription sent before modes existed; they keep it (a stored subscription without a
    /// mode reads as this one).
    /// </summary>
    HmacSha512 = 0,

    /// <summary><c>secret</c>: the secret itself, as TrackTik sends it. The default of new subscriptions.</summary>
    Secret = 1,
}

/// <summary>The API's names of the modes.</summary>
public static class SecretHeaderModes
{
    public const string Secret = "secret";
    public const string HmacSha512 = "hmac-sha512";

    public static string Name(SecretHeaderMode mode) => mode == SecretHeaderMode.Secret ? Secret : HmacSha512;

    public static SecretHeaderMode? Parse(string name) => name switch
    {
        Secret => SecretHeaderMode.Secret,
        HmacSha512 => SecretHeaderMode.HmacSha512,
        _ => null,
    };

    /// <summary>
    /// Whether a secret can be sent as a header value as it is: printable ASCII, no space at either
    /// end (HTTP trims them, and a receiver comparing it would see another secret).
    /// </summary>
    public static bool Sendable(string secret) =>
        secret.Length > 0 && secret[0] != ' ' && secret[^1] != ' ' && secret.All(c => c is >= ' ' and <= '~');
}
