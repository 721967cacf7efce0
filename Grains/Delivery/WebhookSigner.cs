using System.Security.Cryptography;
using System.Text;
using EventsSubscriptions.Grains.Interfaces.Webhooks;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>
/// The two signatures of a webhook call: TrackTik's (lowercase hex HMAC-SHA512 of the raw body,
/// keyed with the secret's UTF-8 bytes) and Standard Webhooks' (<c>v1,</c> base64 HMAC-SHA256 of
/// <c>{id}.{timestamp}.{body}</c>, keyed with the base64-decoded rest of a <c>whsec_</c> secret, else
/// the secret's UTF-8 bytes), one per secret in force, space-separated.
/// </summary>
public static class WebhookSigner
{
    public static string TrackTik(ReadOnlySpan<byte> body, string secret) =>
        Convert.ToHexStringLower(HMACSHA512.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static string Standard(string webhookId, long timestamp, ReadOnlySpan<byte> body, IEnumerable<string> secrets)
    {
        var prefix = Encoding.UTF8.GetBytes($"{webhookId}.{timestamp}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return string.Join(' ', secrets.Select(secret => $"v1,{Convert.ToBase64String(HMACSHA256.HashData(StandardKey(secret), content))}"));
    }

    public static byte[] StandardKey(string secret) => StandardWebhookKey.Of(secret);
}
