using System.Security.Cryptography;
using System.Text;

namespace EventsSubscriptions.Receivers;

/// <summary>
/// Verifies an Events Subscriptions webhook in C#: its secret header and signature, the timestamp tolerance and the
/// two signatures sent for 24 h after a secret change. Copy it into your receiver; in ASP.NET Core:
/// <code>
/// app.MapPost("/hooks/hr", async (HttpRequest request) =>
/// {
///     using var buffer = new MemoryStream();
///     await request.Body.CopyToAsync(buffer);            // the raw body, before any JSON parsing
///     var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
///     if (!WebhookVerifier.IsValid(buffer.ToArray(), headers, secret, "TrackTik-Subscription-Secret", DateTimeOffset.UtcNow))
///     {
///         return Results.Unauthorized();
///     }
///     // … de-duplicate on headers["webhook-id"], handle the event, answer 2xx quickly.
///     return Results.Ok();
/// });
/// </code>
/// </summary>
public static class WebhookVerifier
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static bool IsValid(byte[] body, IReadOnlyDictionary<string, string> headers, string secret, string secretHeaderName, DateTimeOffset now) =>
        SecretHeaderValid(body, secret, headers.GetValueOrDefault(secretHeaderName)) && StandardValid(body, secret, headers, now);

    /// <summary>
    /// The secret header: the secret itself (TrackTik's scheme, the default), or for a subscription
    /// with <c>secretHeaderMode</c> <c>hmac-sha512</c> the lowercase hex HMAC-SHA512 of the raw body,
    /// keyed with the secret's UTF-8 bytes. The Standard signature also proves the body is the one sent.
    /// </summary>
    public static bool SecretHeaderValid(byte[] body, string secret, string? given) =>
        given is not null && (Same(secret, given) || Same(Convert.ToHexStringLower(HMACSHA512.HashData(Encoding.UTF8.GetBytes(secret), body)), given));

    /// <summary>Standard Webhooks: <c>v1,</c> base64 HMAC-SHA256 of <c>{id}.{timestamp}.</c> and the raw body.</summary>
    public static bool StandardValid(byte[] body, string secret, IReadOnlyDictionary<string, string> headers, DateTimeOffset now)
    {
        if (headers.GetValueOrDefault("webhook-id") is not { } id
            || headers.GetValueOrDefault("webhook-timestamp") is not { } timestamp
            || !long.TryParse(timestamp, out var seconds)
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            return false;
        }
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
        var expected = $"v1,{Convert.ToBase64String(HMACSHA256.HashData(Key(secret), signed))}";
        // Two signatures, space-separated, for 24 h after a secret change: any one may match.
        return (headers.GetValueOrDefault("webhook-signature") ?? "")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(s => Same(expected, s));
    }

    /// <summary>A whsec_ secret is the base64 of the key; any other secret signs with its UTF-8 bytes.</summary>
    private static byte[] Key(string secret)
    {
        if (secret.StartsWith("whsec_", StringComparison.Ordinal))
        {
            try
            {
                return Convert.FromBase64String(secret["whsec_".Length..]);
            }
            catch (FormatException)
            {
            }
        }
        return Encoding.UTF8.GetBytes(secret);
    }

    private static bool Same(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
