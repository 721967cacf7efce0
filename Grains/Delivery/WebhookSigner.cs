using System.Buffers;
using System.Globalization;
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
        // The signed content, {id}.{timestamp}.{body}, in a pooled buffer rather than two new arrays per call.
        var prefixLength = Encoding.UTF8.GetByteCount(webhookId) + 22;
        var buffer = ArrayPool<byte>.Shared.Rent(prefixLength + body.Length);
        try
        {
            var written = Encoding.UTF8.GetBytes(webhookId, buffer);
            buffer[written++] = (byte)'.';
            timestamp.TryFormat(buffer.AsSpan(written), out var digits, provider: CultureInfo.InvariantCulture);
            written += digits;
            buffer[written++] = (byte)'.';
            body.CopyTo(buffer.AsSpan(written));
            var content = buffer.AsSpan(0, written + body.Length);
            Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
            var signatures = new StringBuilder();
            foreach (var secret in secrets)
            {
                HMACSHA256.HashData(StandardKey(secret), content, hash);
                signatures.Append(signatures.Length == 0 ? "v1," : " v1,").Append(Convert.ToBase64String(hash));
            }
            return signatures.ToString();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static byte[] StandardKey(string secret) => StandardWebhookKey.Of(secret);
}
