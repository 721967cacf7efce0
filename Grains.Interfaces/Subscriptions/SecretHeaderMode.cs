using EventsSubscriptions.Grains.Interfaces.Text;
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
    [WireName(SecretHeaderModes.HmacSha512)]
    HmacSha512 = 0,

    /// <summary><c>secret</c>: the secret itself, as TrackTik sends it. The default of new subscriptions.</summary>
    [WireName(SecretHeaderModes.Secret)]
    Secret = 1,
}

/// <summary>The API's names of the modes (<see cref="WireText"/> reads and writes them).</summary>
public static class SecretHeaderModes
{
    public const string Secret = "secret";
    public const string HmacSha512 = "hmac-sha512";

    /// <summary>The mode of exactly this name (lower case, as documented), or null.</summary>
    public static SecretHeaderMode? Parse(string name) =>
        WireText.Parse<SecretHeaderMode>(name) is { } mode && WireText.Of(mode) == name ? mode : null;

    /// <summary>
    /// Whether a secret can be sent as a header value as it is: printable ASCII, no space at either
    /// end (HTTP trims them, and a receiver comparing it would see another secret).
    /// </summary>
    public static bool Sendable(string secret) =>
        secret.Length > 0 && secret[0] != ' ' && secret[^1] != ' ' && secret.All(c => c is >= ' ' and <= '~');
}
