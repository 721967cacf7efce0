using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using HdrHistogram;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EventsSubscriptions.Bench;

/// <summary>What one subscription received of one event: how many calls, and when the first arrived.</summary>
internal sealed class Arrival
{
    public int Calls;
    public double FirstLatencyMs;
}

/// <summary>
/// The local webhook receiver (Kestrel on loopback). <c>POST /hook/{n}</c> is subscription n's
/// endpoint: it answers 200 at once (or 500 for a share of calls, at random), and records each
/// event's arrival with its latency from acceptance (the event id is a version 7 UUID, whose first
/// 48 bits are the acceptance time). <c>POST /limit</c> does the same parsing and records nothing:
/// the target of the plain HttpClient loop that measures the limit.
/// </summary>
internal sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<(Guid EventId, int Hook), Arrival> arrivals = new();
    private readonly ConcurrentDictionary<long, int> perSecond = new();
    private readonly ConcurrentDictionary<long, (int Count, double MaxMs)> slowByAcceptedSecond = new();
    private long failed;
    private long refused;
    private long inversions;
    private long lastArrival;
    private readonly ConcurrentDictionary<(int Hook, long Entity), long> lastCounter = new();
    private readonly ConcurrentDictionary<int, StrongBox<int>> inFlight = new();
    private int mostAtOnce;

    /// <summary>
    /// The most calls to one hook that were being answered at the same moment. With subscriptions of
    /// maxInFlight 1 (bench option --max-in-flight 1), more than 1 means two senders of one
    /// subscription at once: two activations of its grain.
    /// </summary>
    public int MostAtOnce => Volatile.Read(ref mostAtOnce);

    private Receiver(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>The share of calls answered with 500.</summary>
    public double FailRate { get; set; }

    /// <summary>While true, every hook call is answered 503 and counted in <see cref="Refused"/> (scenario outage).</summary>
    public bool Down { get; set; }

    public long Refused => Interlocked.Read(ref refused);

    /// <summary>
    /// First arrivals of an entity's change at a hook after a later change of the same entity had
    /// arrived there, compared by the change's <c>counter</c>, which the bench increases with every
    /// change it sends. Two changes of one entity whose API calls overlapped (a call slowed by a
    /// fault, then retried by the gateway, while the next change was sent) may be accepted in either
    /// order: <see cref="LoadRun"/> counts only the inversions of changes accepted one after the other
    /// (<see cref="ArrivalOrder"/>).
    /// </summary>
    public long Inversions => Interlocked.Read(ref inversions);

    /// <summary>The counters of each (hook, entity)'s first arrivals, in arrival order.</summary>
    public IEnumerable<KeyValuePair<(int Hook, long Entity), ConcurrentQueue<long>>> ArrivalOrder => arrivalOrder;

    private readonly ConcurrentDictionary<(int Hook, long Entity), ConcurrentQueue<long>> arrivalOrder = new();

    public long Failed => Interlocked.Read(ref failed);

    /// <summary>The <see cref="Stopwatch"/> timestamp of the last first arrival.</summary>
    public long LastArrivalTimestamp => Interlocked.Read(ref lastArrival);

    /// <summary>Accepted-to-received latency of first arrivals, in microseconds.</summary>
    public LongConcurrentHistogram Latency { get; private set; } = NewHistogram();

    /// <summary>The last body received, to replay in the limit loop.</summary>
    public byte[] SampleBody { get; private set; } = """{"meta":{"event":"entity:bench:updated"},"data":{}}"""u8.ToArray();

    public static LongConcurrentHistogram NewHistogram() => new(1, 3_600_000_000L, 3);

    public static async Task<Receiver> StartAsync(string address = "127.0.0.1")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{address}:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxConcurrentConnections = null);
        builder.Logging.ClearProviders();
        var receiver = new Receiver(builder.Build());
        receiver.app.MapPost("/hook/{hook:int}", receiver.HookAsync);
        receiver.app.MapPost("/limit", (Delegate)LimitAsync);
        await receiver.app.StartAsync();
        receiver.BaseUrl = receiver.app.Urls.First();
        return receiver;
    }

    public string HookUrl(int hook) => $"{BaseUrl}/hook/{hook}";

    public string LimitUrl => $"{BaseUrl}/limit";

    /// <summary>Forgets everything received (between the phases of a scenario).</summary>
    public void Reset()
    {
        arrivals.Clear();
        perSecond.Clear();
        slowByAcceptedSecond.Clear();
        Latency = NewHistogram();
        Interlocked.Exchange(ref failed, 0);
        Interlocked.Exchange(ref refused, 0);
        Interlocked.Exchange(ref inversions, 0);
        lastCounter.Clear();
        arrivalOrder.Clear();
        Interlocked.Exchange(ref lastArrival, 0);
        Interlocked.Exchange(ref mostAtOnce, 0);
    }

    public Arrival? Get(Guid eventId, int hook) => arrivals.TryGetValue((eventId, hook), out var arrival) ? arrival : null;

    public int DistinctArrivals => arrivals.Count;

    public IEnumerable<KeyValuePair<(Guid EventId, int Hook), Arrival>> All => arrivals;

    /// <summary>A first arrival later than this after its acceptance counts as slow (the latency target's p99).</summary>
    public const double SlowMs = 250;

    /// <summary>
    /// The seconds whose accepted events arrived slowly, worst first (at most <paramref name="top"/>):
    /// to set against the logs of the same moments (a checkpoint, a vacuum, a garbage collection).
    /// </summary>
    public string SlowSeconds(int top) => string.Join(", ", slowByAcceptedSecond
        .OrderByDescending(s => s.Value.Count).Take(top)
        .Select(s => $"{DateTimeOffset.FromUnixTimeSeconds(s.Key):HH:mm:ss} {s.Value.Count} (max {s.Value.MaxMs:0} ms)"));

    /// <summary>Seconds (since the Unix epoch) in which at least one first arrival was recorded.</summary>
    public IReadOnlyDictionary<long, int> PerSecond => perSecond;

    private async Task<IResult> HookAsync(int hook, HttpContext context)
    {
        var calls = inFlight.GetOrAdd(hook, _ => new StrongBox<int>());
        var now = Interlocked.Increment(ref calls.Value);
        int most;
        while (now > (most = Volatile.Read(ref mostAtOnce)) && Interlocked.CompareExchange(ref mostAtOnce, now, most) != most)
        {
        }
        try
        {
            return await AnswerAsync(hook, context);
        }
        finally
        {
            Interlocked.Decrement(ref calls.Value);
        }
    }

    private async Task<IResult> AnswerAsync(int hook, HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        if (Down)
        {
            Interlocked.Increment(ref refused);
            return Results.StatusCode(503);
        }
        if (FailRate > 0 && Random.Shared.NextDouble() < FailRate)
        {
            Interlocked.Increment(ref failed);
            return Results.StatusCode(500);
        }
        var body = buffer.ToArray();
        using var document = JsonDocument.Parse(body);
        var eventId = Guid.Parse(document.RootElement.GetProperty("meta").GetProperty("eventId").GetString()!);
        var now = DateTimeOffset.UtcNow;
        var latencyMs = (now - AcceptedOn(eventId)).TotalMilliseconds;
        var first = false;
        var arrival = arrivals.GetOrAdd((eventId, hook), _ =>
        {
            first = true;
            return new Arrival { FirstLatencyMs = latencyMs };
        });
        Interlocked.Increment(ref arrival.Calls);
        if (first)
        {
            Latency.RecordValue(Math.Max(1, (long)(latencyMs * 1000)));
            if (latencyMs > SlowMs)
            {
                slowByAcceptedSecond.AddOrUpdate(AcceptedOn(eventId).ToUnixTimeSeconds(), (1, latencyMs),
                    (_, s) => (s.Count + 1, Math.Max(s.MaxMs, latencyMs)));
            }
            perSecond.AddOrUpdate(now.ToUnixTimeSeconds(), 1, (_, n) => n + 1);
            CheckOrder(hook, document.RootElement);
            SampleBody = body;
            Interlocked.Exchange(ref lastArrival, Stopwatch.GetTimestamp());
        }
        return Results.Ok();
    }

    private void CheckOrder(int hook, JsonElement webhook)
    {
        if (!webhook.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("id", out var id) || !id.TryGetInt64(out var entity)
            || !data.TryGetProperty("counter", out var counterElement) || !counterElement.TryGetInt64(out var counter))
        {
            return;
        }
        arrivalOrder.GetOrAdd((hook, entity), _ => new ConcurrentQueue<long>()).Enqueue(counter);
        var before = lastCounter.GetOrAdd((hook, entity), long.MinValue);
        if (counter < before)
        {
            Interlocked.Increment(ref inversions);
        }
        lastCounter.AddOrUpdate((hook, entity), counter, (_, last) => Math.Max(last, counter));
    }

    private static async Task<IResult> LimitAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        using var document = JsonDocument.Parse(buffer.ToArray());
        _ = document.RootElement.GetProperty("meta");
        return Results.Ok();
    }

    public static DateTimeOffset AcceptedOn(Guid eventId) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(eventId.ToString("N")[..12], 16));

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
