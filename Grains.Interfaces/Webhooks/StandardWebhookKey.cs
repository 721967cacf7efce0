using System.Text;

namespace EventsSubscriptions.Grains.Interfaces.Webhooks;

/// <summary>
/// The key a secret signs Standard Webhooks' <c>webhook-signature</c> with: the base64-decoded
/// rest of a <c>whsec_</c> secret, else the secret's UTF-8 bytes. Shared by the signer and by the
/// API's check that a <c>whsec_</c> secret is a key worth the name.
/// </summary>
public static class StandardWebhookKey
{
    public const string Prefix = "whsec_";

    /// <summary>The fewest bytes a <c>whsec_</c> key may have.</summary>
    public const int MinimumBytes = 16;

    public static byte[] Of(string secret)
    {
        if (secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            try
            {
                return Convert.FromBase64String(secret[Prefix.Length..]);
            }
            catch (FormatException)
            {
                // Not base64 after all: it is an ordinary secret that happens to start with whsec_.
            }
        }
        return Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>Whether a secret is a <c>whsec_</c> key too short to sign with (whitespace decodes to nothing).</summary>
    public static bool IsWeak(string secret) =>
        secret.StartsWith(Prefix, StringComparison.Ordinal)
        && Of(secret) is var key && key.Length != Encoding.UTF8.GetByteCount(secret) && key.Length < MinimumBytes;
}
