using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using HdrHistogram;

namespace EventsSubscriptions.Bench;

/// <summary>The figures of one load phase.</summary>
internal sealed record LoadReport(
    string Label, int Sent, int Accepted, double AcceptSeconds, double AcceptedPerSecond, LongConcurrentHistogram ApiLatency,
    long Expected, long Delivered, double DeliverSeconds, double DeliveredPerSecond, LongConcurrentHistogram Latency,
    long Lost, long Duplicates, long Extra, long ReceiverFailures, double LongestAcceptGap, double LongestDeliveryGap,
    List<double> FanOutCompletionMs, long Inversions = 0, int MostAtOnce = 0);

/// <summary>
/// One load phase: entity changes through the gateway (by count, or for a duration, optionally
/// rate-capped), then a wait until every subscription that matches got every accepted event,
/// then the accounting: lost (an accepted event a matching subscription never got), duplicates
/// (calls beyond the first), extra (events the gateway did not confirm but that were delivered:
/// answered 5xx or cut off during a fault, yet stored).
/// </summary>
internal static class LoadRun
{
    /// <param name="whenSent">Called once the sending is over, before the wait for the deliveries (scenario outage: the receiver comes back).</param>
    public static async Task<LoadReport> RunAsync(GatewayApi api, Receiver receiver, BenchOptions options, string resource,
        IReadOnlyList<int> hooks, string label, Func<Task>? whenSent = null)
    {
        receiver.Reset();
        // Padding that makes each entity (and each webhook body) about --entity-kb KiB larger.
        var padding = options.EntityKb > 0 ? $", \"pad\": \"{new string('p', (int)(options.EntityKb * 1024))}\"" : "";
        var accepted = new ConcurrentBag<Guid>();
        // Each accepted change's API call: sent and answered (Stopwatch timestamps), by counter.
        var calls = new ConcurrentDictionary<long, (long Sent, long Answered)>();
        var acceptedSeconds = new ConcurrentDictionary<long, int>();
        var apiLatency = Receiver.NewHistogram();
        var sent = 0;
        var startedAt = Stopwatch.GetTimestamp();
        var clock = Stopwatch.StartNew();
        var until = options.Duration > 0 ? TimeSpan.FromSeconds(options.Duration) : TimeSpan.MaxValue;
        var count = options.Duration > 0 ? int.MaxValue : options.Events;
        var lastReport = clock.Elapsed;
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async _ =>
        {
            while (true)
            {
                var n = Interlocked.Increment(ref sent) - 1;
                if (n >= count || clock.Elapsed >= until)
                {
                    Interlocked.Decrement(ref sent);
                    return;
                }
                if (options.Rate > 0 && TimeSpan.FromSeconds(n / options.Rate) - clock.Elapsed is { } wait && wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }
                var entity = n % options.Entities + 1;
                var started = Stopwatch.GetTimestamp();
                var eventId = await api.PutAsync(resource, entity,
                    $$"""{"counter": {{n}}, "name": "entity {{entity}}", "note": "bench {{label}}"{{padding}}}""");
                apiLatency.RecordValue(Math.Max(1, (long)(Stopwatch.GetElapsedTime(started).TotalMilliseconds * 1000)));
                if (eventId is { } id)
                {
                    accepted.Add(id);
                    calls[n] = (started, Stopwatch.GetTimestamp());
                    acceptedSeconds.AddOrUpdate(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 1, (_, c) => c + 1);
                }
                if (options.Duration > 0 && clock.Elapsed - lastReport > TimeSpan.FromSeconds(10))
                {
                    lastReport = clock.Elapsed;
                    Console.WriteLine($"  … {clock.Elapsed.TotalSeconds:0} s: {accepted.Count} accepted of {n + 1} sent, {receiver.DistinctArrivals} delivered");
                }
            }
        }));
        var acceptSeconds = clock.Elapsed.TotalSeconds;
        if (whenSent is not null)
        {
            await whenSent();
        }
        var acceptedIds = accepted.ToHashSet();
        var expected = (long)acceptedIds.Count * hooks.Count;

        var deadline = clock.Elapsed + TimeSpan.FromMinutes(options.WaitMinutes);
        long Delivered() => acceptedIds.Sum(e => hooks.Count(h => receiver.Get(e, h) is not null));
        var delivered = 0L;
        var lastProgress = clock.Elapsed;
        while (clock.Elapsed < deadline)
        {
            if (receiver.DistinctArrivals >= expected && (delivered = Delivered()) >= expected)
            {
                break;
            }
            await Task.Delay(100);
            if (clock.Elapsed - lastProgress > TimeSpan.FromSeconds(30))
            {
                lastProgress = clock.Elapsed;
                Console.WriteLine($"  … waiting for deliveries: {receiver.DistinctArrivals} of {expected}");
            }
        }
        // Up to the moment the last first arrival was recorded, not when the polling noticed it.
        var deliverSeconds = receiver.LastArrivalTimestamp > startedAt
            ? Stopwatch.GetElapsedTime(startedAt, receiver.LastArrivalTimestamp).TotalSeconds
            : clock.Elapsed.TotalSeconds;
        delivered = Delivered();
        // Give duplicates a moment to show up before counting them.
        await Task.Delay(1000);

        var lost = expected - delivered;
        long duplicates = 0, extra = 0;
        var completion = new Dictionary<Guid, double>();
        foreach (var ((eventId, hook), arrival) in receiver.All)
        {
            if (!hooks.Contains(hook))
            {
                continue;
            }
            duplicates += arrival.Calls - 1;
            if (!acceptedIds.Contains(eventId))
            {
                extra++;
                continue;
            }
            completion[eventId] = Math.Max(completion.GetValueOrDefault(eventId), arrival.FirstLatencyMs);
        }
        return new LoadReport(label, sent, acceptedIds.Count, acceptSeconds, acceptedIds.Count / acceptSeconds, apiLatency,
            expected, delivered, deliverSeconds, delivered / deliverSeconds, receiver.Latency,
            lost, duplicates, extra, receiver.Failed, LongestGap(acceptedSeconds), LongestGap(receiver.PerSecond),
            [.. completion.Values], OrderBroken(receiver, calls), receiver.MostAtOnce);
    }

    /// <summary>
    /// Per-entity order broken: a change that arrived at a hook after another change of the same
    /// entity although its API call was answered before that other one's was sent (accepted
    /// strictly before it). Changes whose calls overlapped have no order to keep.
    /// </summary>
    private static long OrderBroken(Receiver receiver, IReadOnlyDictionary<long, (long Sent, long Answered)> calls)
    {
        long broken = 0;
        foreach (var (_, order) in receiver.ArrivalOrder)
        {
            var arrived = order.ToArray();
            for (var later = 1; later < arrived.Length; later++)
            {
                if (!calls.TryGetValue(arrived[later], out var late))
                {
                    continue;
                }
                for (var earlier = 0; earlier < later; earlier++)
                {
                    if (calls.TryGetValue(arrived[earlier], out var early) && late.Answered < early.Sent)
                    {
                        broken++;
                        break;
                    }
                }
            }
        }
        return broken;
    }

    /// <summary>The longest run of seconds without a count, between the first and the last second counted.</summary>
    private static double LongestGap(IReadOnlyDictionary<long, int> perSecond)
    {
        if (perSecond.Count == 0)
        {
            return 0;
        }
        var seconds = perSecond.Keys.Order().ToList();
        return seconds.Zip(seconds.Skip(1)).Select(p => p.Second - p.First - 1).DefaultIfEmpty(0).Max();
    }

    public static void Print(LoadReport r, double? limitPerSecond)
    {
        static string Ms(LongConcurrentHistogram h, double p) =>
            h.TotalCount == 0 ? "-" : (h.GetValueAtPercentile(p) / 1000.0).ToString("0.0", CultureInfo.InvariantCulture);
        static string Max(LongConcurrentHistogram h) =>
            h.TotalCount == 0 ? "-" : (h.GetMaxValue() / 1000.0).ToString("0.0", CultureInfo.InvariantCulture);
        Console.WriteLine($"[{r.Label}]");
        Console.WriteLine($"  accepted        {r.Accepted} of {r.Sent} in {r.AcceptSeconds:0.0} s = {r.AcceptedPerSecond:0} events/s");
        Console.WriteLine($"  API latency ms  p50 {Ms(r.ApiLatency, 50)}  p95 {Ms(r.ApiLatency, 95)}  p99 {Ms(r.ApiLatency, 99)}  max {Max(r.ApiLatency)}");
        Console.WriteLine($"  delivered       {r.Delivered} of {r.Expected} in {r.DeliverSeconds:0.0} s = {r.DeliveredPerSecond:0} deliveries/s");
        Console.WriteLine($"  accepted->received ms  p50 {Ms(r.Latency, 50)}  p95 {Ms(r.Latency, 95)}  p99 {Ms(r.Latency, 99)}  max {Max(r.Latency)}");
        if (r.FanOutCompletionMs.Count > 0)
        {
            var sorted = r.FanOutCompletionMs.Order().ToList();
            Console.WriteLine($"  last subscription reached after ms  p50 {sorted[sorted.Count / 2]:0}  max {sorted[^1]:0}  (per event)");
        }
        Console.WriteLine($"  lost {r.Lost}  duplicates {r.Duplicates}  extra {r.Extra}  receiver 500s {r.ReceiverFailures}  per-entity inversions {r.Inversions} (changes accepted one after the other, delivered the other way)");
        Console.WriteLine($"  most calls at once to one subscription {r.MostAtOnce}");
        Console.WriteLine($"  longest stall   accepting {r.LongestAcceptGap:0} s  delivering {r.LongestDeliveryGap:0} s");
        if (limitPerSecond is { } limit)
        {
            Console.WriteLine($"  limit (plain HttpClient, same body, receiver, concurrency) {limit:0} requests/s");
            Console.WriteLine($"  ratio  deliveries/limit {r.DeliveredPerSecond / limit:0.000}   accepted events/limit {r.AcceptedPerSecond / limit:0.000}");
        }
    }

    /// <summary>The physical limit: the same body posted to the same receiver by a plain HttpClient loop, same concurrency.</summary>
    public static async Task<(double PerSecond, LongConcurrentHistogram Latency)> LimitAsync(Receiver receiver, int concurrency, int requests)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency });
        var body = receiver.SampleBody;
        var latency = Receiver.NewHistogram();
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < requests)
            {
                var started = Stopwatch.GetTimestamp();
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new("application/json");
                using var response = await http.PostAsync(receiver.LimitUrl, content);
                response.EnsureSuccessStatusCode();
                latency.RecordValue(Math.Max(1, (long)(Stopwatch.GetElapsedTime(started).TotalMilliseconds * 1000)));
            }
        }));
        return (requests / clock.Elapsed.TotalSeconds, latency);
    }
}
