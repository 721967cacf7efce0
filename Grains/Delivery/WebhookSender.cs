using EventsSubscriptions.Grains.Interfaces.Webhooks;
using EventsSubscriptions.Grains.Interfaces.Text;
using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using EventsSubscriptions.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Timeout;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>Everything one attempt needs. The secrets are in clear only for the time of the call.</summary>
public sealed record WebhookCall(
    string Url, string Body, string DeliveryId, string SecretHeaderName, SecretHeaderMode SecretHeaderMode, string Secret, string? PreviousSecret,
    string Language, int TimeoutSeconds)
{
    /// <summary>The subscription's extra headers (names and values in clear), sent on the call.</summary>
    public IReadOnlyDictionary<string, string> ExtraHeaders { get; init; } = new Dictionary<string, string>();

    public override string ToString() => $"WebhookCall {{ Url = {Url}, DeliveryId = {DeliveryId} }}";

    /// <summary>
    /// What a receiver answered, without anything this call sent that must stay unseen: the
    /// secrets and the extra headers' values (of 6 characters or more), which a receiver that
    /// echoes its request would otherwise put in the log that <c>subscriptions:read</c> shows.
    /// </summary>
    public string? Redact(string? answer)
    {
        if (string.IsNullOrEmpty(answer))
        {
            return answer;
        }
        foreach (var hidden in ExtraHeaders.Values.Append(Secret).Append(PreviousSecret ?? ""))
        {
            if (hidden.Length >= 6)
            {
                answer = answer.Replace(hidden, "***", StringComparison.Ordinal);
            }
        }
        return answer;
    }
}

/// <summary>One header of a webhook call; <paramref name="Secret"/>: its value is the subscription's secret or one of its extra headers.</summary>
public sealed record WebhookHeader(string Name, string Value, bool Secret);

/// <summary>
/// Makes one signed webhook call through the SSRF-guarded client, bounded by the subscription's
/// timeout (a Polly timeout), and says how it went. It never throws for the receiver's sake.
/// </summary>
public sealed class WebhookSender(GuardedConnector connector, ISiloFence fence, [FromKeyedServices(ServiceClock.Key)] TimeProvider clock)
{
    public const int MaxExcerptBytes = 4096;

    /// <summary>How long the body of an answer is read for its excerpt, once its status line is in.</summary>
    public static readonly TimeSpan ExcerptWait = TimeSpan.FromSeconds(2);

    private static readonly string UserAgent = $"EventsSubscriptions/{typeof(WebhookSender).Assembly.GetName().Version?.ToString(3)}";

    private readonly HttpClient client = new(connector.CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly ConcurrentDictionary<int, ResiliencePipeline> timeouts = new();

    /// <summary>
    /// Whether deliveries may call receivers now: not while this silo may have been declared dead
    /// (<see cref="SiloFence"/>), when other activations of its subscriptions send instead.
    /// </summary>
    public bool MayDeliver => fence.IsOpen;

    public async Task<AttemptOutcome> SendAsync(WebhookCall call, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(call.Body);
        var watch = Stopwatch.StartNew();
        try
        {
            var pipeline = timeouts.GetOrAdd(call.TimeoutSeconds, s => new ResiliencePipelineBuilder()
                .AddTimeout(TimeSpan.FromSeconds(s)).Build());
            using var request = Build(call, body);
            // The timeout bounds the call until its status line: that is the receiver's answer.
            using var response = await pipeline.ExecuteAsync(
                async token => await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token), cancellationToken);
            // The body's excerpt is read with a bound of its own: a receiver that answers 2xx and then
            // trickles its body (or never ends it) has answered, and is not called again.
            var excerpt = await ExcerptAsync(response, cancellationToken);
            var status = response.StatusCode;
            var retryAfter = DeliveryOutcome.HonoursRetryAfter(status)
                ? RetrySchedule.ParseRetryAfter(response.Headers.RetryAfter?.ToString(), clock.GetUtcNow())
                : null;
            var result = DeliveryOutcome.Classify(status);
            // What a receiver sends is logged and shown: cleaned of text that cannot be stored.
            return new AttemptOutcome(result, (int)status, watch.Elapsed,
                result == AttemptResult.Succeeded ? null : StorableText.Clean(call.Redact($"the receiver answered {(int)status} {response.ReasonPhrase}".TrimEnd())!),
                StorableText.CleanOrNull(call.Redact(excerpt)), retryAfter)
            {
                // Kept for failures only: why a receiver refused is often in a header (WWW-Authenticate, a proxy's).
                ResponseHeaders = result == AttemptResult.Succeeded ? null : StorableText.CleanOrNull(call.Redact(HeadersText(response))),
            };
        }
        catch (TimeoutRejectedException)
        {
            return new AttemptOutcome(AttemptResult.Failed, null, watch.Elapsed, $"{AttemptOutcome.TimeoutPrefix} {call.TimeoutSeconds} s", null, null)
            {
                Failure = AttemptFailure.Timeout,
            };
        }
        catch (HttpRequestException e) when (Refusal(e) is { } refused)
        {
            // The handler wraps what its ConnectCallback throws.
            return new AttemptOutcome(AttemptResult.Failed, null, watch.Elapsed, $"{AttemptOutcome.RefusedPrefix}: {refused.Message}", null, null)
            {
                Failure = AttemptFailure.Refused,
            };
        }
        catch (HttpRequestException e)
        {
            return new AttemptOutcome(AttemptResult.Failed, null, watch.Elapsed, StorableText.Clean($"{AttemptOutcome.ConnectionPrefix}: {e.Message}"), null, null)
            {
                Failure = NameNotResolved(e) ? AttemptFailure.NameNotResolved : AttemptFailure.Connection,
            };
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or NotSupportedException or FormatException)
        {
            // Whatever else a receiver can make the client throw (a broken status line, a body cut
            // short, bad framing) is a failed attempt like a lost connection: never an unrecorded one.
            return new AttemptOutcome(AttemptResult.Failed, null, watch.Elapsed,
                StorableText.Clean($"{AttemptOutcome.ConnectionPrefix}: {e.GetType().Name}: {e.Message}"), null, null)
            {
                Failure = AttemptFailure.Connection,
            };
        }
    }

    /// <summary>Whether the host name did not resolve: the guard's own lookup throws a socket error, the handler's sets its error.</summary>
    private static bool NameNotResolved(HttpRequestException e)
    {
        if (e.HttpRequestError == HttpRequestError.NameResolutionError)
        {
            return true;
        }
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.HostNotFound
                or System.Net.Sockets.SocketError.TryAgain or System.Net.Sockets.SocketError.NoData })
            {
                return true;
            }
        }
        return false;
    }

    private static WebhookTargetRefusedException? Refusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is WebhookTargetRefusedException refused)
            {
                return refused;
            }
        }
        return null;
    }

    private HttpRequestMessage Build(WebhookCall call, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, call.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var header in HeadersOf(call, body, clock.GetUtcNow().ToUnixTimeSeconds()))
        {
            request.Headers.TryAddWithoutValidation(header.Name, header.Value);
        }
        return request;
    }

    /// <summary>
    /// The headers of a call besides <c>Content-Type: application/json</c>, in the order they are
    /// sent; <see cref="WebhookHeader.Secret"/> marks the values a preview masks (the secret, the extra headers).
    /// </summary>
    public static IEnumerable<WebhookHeader> HeadersOf(WebhookCall call, byte[] body, long timestamp)
    {
        // TrackTik's scheme sends the secret itself; subscriptions made before it keep their HMAC.
        yield return call.SecretHeaderMode == SecretHeaderMode.Secret
            ? new WebhookHeader(call.SecretHeaderName, call.Secret, Secret: true)
            : new WebhookHeader(call.SecretHeaderName, WebhookSigner.TrackTik(body, call.Secret), Secret: false);
        foreach (var (name, value) in call.ExtraHeaders)
        {
            yield return new WebhookHeader(name, value, Secret: true);
        }
        yield return new WebhookHeader(WebhookHeaders.Id, call.DeliveryId, false);
        yield return new WebhookHeader(WebhookHeaders.Timestamp, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture), false);
        yield return new WebhookHeader(WebhookHeaders.Signature, WebhookSigner.Standard(call.DeliveryId, timestamp, body,
            call.PreviousSecret is null ? [call.Secret] : [call.Secret, call.PreviousSecret]), false);
        yield return new WebhookHeader(WebhookHeaders.Language, call.Language, false);
        yield return new WebhookHeader(WebhookHeaders.UserAgent, UserAgent, false);
    }

    /// <summary>At most this many characters of an answer's headers are kept.</summary>
    public const int MaxHeaderCharacters = 2048;

    /// <summary>An answer's headers as "Name: value" lines, in the order received, cut at <see cref="MaxHeaderCharacters"/>.</summary>
    private static string? HeadersText(HttpResponseMessage response)
    {
        var text = new StringBuilder();
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            var line = $"{name}: {string.Join(", ", values)}\n";
            if (text.Length + line.Length > MaxHeaderCharacters)
            {
                text.Append("[more headers not kept]");
                break;
            }
            text.Append(line);
        }
        return text.Length == 0 ? null : text.ToString().TrimEnd('\n');
    }

    /// <summary>
    /// The start of the answer's body, read for <see cref="ExcerptWait"/> at most. A body the receiver
    /// cuts short, frames badly or sends too slowly does not undo the status it answered: the excerpt
    /// keeps what arrived and says the rest did not.
    /// </summary>
    private static async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength == 0)
        {
            // Most receivers answer with no body: nothing to read, and no buffer to take.
            return null;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(MaxExcerptBytes);
        try
        {
            var read = 0;
            string? broken = null;
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(ExcerptWait);
            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync(bound.Token);
                while (read < MaxExcerptBytes && await stream.ReadAsync(buffer.AsMemory(read, MaxExcerptBytes - read), bound.Token) is var n and > 0)
                {
                    read += n;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                broken = $"[the rest of the body did not arrive within {ExcerptWait.TotalSeconds:0} s]";
            }
            catch (Exception e) when (e is IOException or HttpRequestException or InvalidOperationException or InvalidDataException)
            {
                broken = $"[the body could not be read to its end: {e.Message}]";
            }
            var text = read == 0 ? null : Encoding.UTF8.GetString(buffer, 0, read);
            return broken is null ? text : $"{text}{broken}";
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
