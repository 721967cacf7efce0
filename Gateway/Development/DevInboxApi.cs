using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EventsSubscriptions.Grains.Interfaces.Webhooks;
using EventsSubscriptions.Gateway.Hosting;

namespace EventsSubscriptions.Gateway.Development;

/// <summary>
/// A webhook receiver for trying the service out (<c>Gateway:DevInbox</c>, on in Development only):
/// point a subscription at <c>/dev/inbox/{name}</c> and read what arrived at
/// <c>GET /dev/inbox/{name}?secret=…</c>, each call with whether both signatures verify. It checks
/// them the way a receiver should: independently of the service's signer, from the headers and the
/// raw body. Kept in memory (the last 50 calls and at most 4 MiB of each inbox, at most 100
/// inboxes; the log keeps the first 200 characters of a body); no authentication: never enable it
/// where the gateway is reachable by others.
/// </summary>
public static class DevInboxApi
{
    private const int Kept = 50;

    /// <summary>At most this many inboxes: a new one beyond it replaces the oldest.</summary>
    private const int MaxInboxes = 100;

    /// <summary>At most this many bytes of bodies per inbox (older calls go first).</summary>
    private const long MaxInboxBytes = 4 << 20;

    private static readonly ConcurrentQueue<string> Created = new();
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public sealed record ReceivedWebhook(DateTimeOffset ReceivedOn, IReadOnlyDictionary<string, string> Headers, byte[] Body);

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<ReceivedWebhook>> Inboxes = new(StringComparer.Ordinal);

    public static IEndpointRouteBuilder MapDevInbox(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/dev/inbox").AllowAnonymous().ExcludeFromDescription();
        group.MapPost("{name}", ReceiveAsync);
        group.MapGet("{name}", Read);
        return app;
    }

    private static async Task<IResult> ReceiveAsync(string name, HttpRequest request, ILoggerFactory loggers)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var webhook = new ReceivedWebhook(DateTimeOffset.UtcNow,
            request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), buffer.ToArray());
        var inbox = Inboxes.GetOrAdd(name, key =>
        {
            Created.Enqueue(key);
            return new ConcurrentQueue<ReceivedWebhook>();
        });
        inbox.Enqueue(webhook);
        while ((inbox.Count > Kept || inbox.Sum(c => (long)c.Body.Length) > MaxInboxBytes) && inbox.Count > 1 && inbox.TryDequeue(out _))
        {
        }
        // Bounded in number too: the development gateway's memory does not grow with the names tried.
        while (Inboxes.Count > MaxInboxes && Created.TryDequeue(out var oldest))
        {
            Inboxes.TryRemove(oldest, out _);
        }
        // Metadata only: bodies carry the entities' personal data, and the inbox shows them to whoever asks.
        loggers.CreateLogger("DevInbox").InboxReceived(name, webhook.Headers.GetValueOrDefault(WebhookHeaders.Id), webhook.Body.Length);
        return TypedResults.Ok(new { received = true });
    }

    private static IResult Read(string name, string? secret, string? secretHeaderName)
    {
        var calls = Inboxes.TryGetValue(name, out var inbox) ? inbox.ToArray().Reverse() : [];
        return TypedResults.Ok(new
        {
            data = calls.Select(call => Describe(call, secret, secretHeaderName ?? WebhookHeaders.DefaultSecretHeader)).ToArray(),
            meta = new { inbox = name, kept = Kept, checkedWith = secret is null ? "nothing: add ?secret=<the subscription's secret>" : "the secret given" },
        });
    }

    private static object Describe(ReceivedWebhook call, string? secret, string secretHeaderName)
    {
        JsonNode? body = null;
        try
        {
            body = JsonNode.Parse(call.Body);
        }
        catch (JsonException)
        {
        }
        var id = call.Headers.GetValueOrDefault(WebhookHeaders.Id);
        var timestamp = call.Headers.GetValueOrDefault(WebhookHeaders.Timestamp);
        return new
        {
            receivedOn = call.ReceivedOn,
            @event = body?["meta"]?["event"]?.GetValue<string>(),
            webhookId = id,
            secretHeader = secret is null ? "not checked" : VerifySecretHeader(call, secret, secretHeaderName),
            standardSignature = secret is null ? "not checked" : VerifyStandard(call, secret, id, timestamp),
            headers = Shown(call.Headers),
            body,
        };
    }

    /// <summary>
    /// The secret header: the secret itself (TrackTik's scheme, the default), or for a subscription
    /// in mode <c>hmac-sha512</c> the lowercase hex HMAC-SHA512 of the raw body keyed with the secret.
    /// </summary>
    private static string VerifySecretHeader(ReceivedWebhook call, string secret, string headerName)
    {
        if (!call.Headers.TryGetValue(headerName.ToLowerInvariant(), out var given))
        {
            return $"missing: no {headerName} header";
        }
        if (Same(secret, given))
        {
            return "valid: the secret itself";
        }
        var hmac = Convert.ToHexStringLower(HMACSHA512.HashData(Encoding.UTF8.GetBytes(secret), call.Body));
        return Same(hmac, given) ? "valid: HMAC-SHA512 of the body (secretHeaderMode hmac-sha512)" : "invalid";
    }

    /// <summary>Headers anyone may read here (the inbox has no authentication): the service's own.</summary>
    private static readonly HashSet<string> Plain = new(
        ["webhook-id", "webhook-timestamp", "webhook-signature", "ttc-language", "user-agent", "content-type", "content-length", "host"],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The headers as received, but for the secret header and a subscription's extra headers
    /// (values that authorize calls elsewhere), shown by their length alone.
    /// </summary>
    private static Dictionary<string, string> Shown(IReadOnlyDictionary<string, string> headers) =>
        headers.ToDictionary(h => h.Key, h => Plain.Contains(h.Key) ? h.Value : $"(hidden: {h.Value.Length} characters)", StringComparer.Ordinal);

    private static bool Same(string expected, string given) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(given));

    /// <summary>
    /// Standard Webhooks: <c>v1,</c> + base64 HMAC-SHA256 of <c>{webhook-id}.{webhook-timestamp}.{body}</c>,
    /// keyed with the base64-decoded rest of a <c>whsec_</c> secret (else the secret's UTF-8 bytes);
    /// any one of the space-separated signatures may match; the timestamp within 5 minutes of the call's arrival.
    /// </summary>
    private static string VerifyStandard(ReceivedWebhook call, string secret, string? id, string? timestamp)
    {
        if (id is null || timestamp is null || !call.Headers.TryGetValue("webhook-signature", out var signatures))
        {
            return "missing: webhook-id, webhook-timestamp and webhook-signature are needed";
        }
        if (!long.TryParse(timestamp, out var seconds)
            // Against when the call arrived, as a receiver checks it then: not against the time it is read.
            || (call.ReceivedOn - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            return "invalid: webhook-timestamp is not within 5 minutes of the call's arrival";
        }
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(call.Body).ToArray();
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(StandardWebhookKey.Of(secret), signed));
        return signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), Encoding.ASCII.GetBytes(expected)))
            ? "valid"
            : "invalid";
    }
}
