using System.Globalization;

namespace EventsSubscriptions.Bench;

/// <summary>
/// The metrics pages of the silos and the gateway, read before and after a run: histogram quantiles
/// over the run (interpolated within buckets, as Prometheus' histogram_quantile does), to compare
/// with what the bench itself measured, and the runtime's counters.
/// </summary>
internal static class SiloMetrics
{
    /// <summary>From an event's acceptance to its successful delivery, as the silos timed it.</summary>
    public const string DeliveryLatency = "es_delivery_latency_seconds";

    /// <summary>From an event's acceptance to its routing: the stream's part of the delivery latency.</summary>
    public const string RoutingLag = "es_events_routing_lag_seconds";

    /// <summary>One webhook call, from its request's start to its answer, as the silo timed it.</summary>
    public const string AttemptDuration = "es_delivery_attempt_duration_seconds";

    /// <summary>An item's wait with a batched writer, from its queuing to its batch's commit (label <c>writer</c>).</summary>
    public const string BatchWait = "es_batch_wait_seconds";

    /// <summary>The event store's items: an accepted change waiting for its durable commit.</summary>
    public static readonly string[] EventCommits = ["writer=\"EventQueueStore\""];

    /// <summary>The gateway's own time for the bench's entity changes (ASP.NET Core's request duration).</summary>
    public const string GatewayRequests = "http_server_request_duration_seconds";

    public static readonly string[] EntityPuts = ["http_request_method=\"PUT\"", "http_route=\"/rest/v1/{resource}/{id}\""];

    /// <summary>The runtime's counters read per delivery: thread-pool work items, CPU, GC pauses (seconds).</summary>
    public static readonly string[] RuntimeCounters =
        ["dotnet_thread_pool_work_item_count_total", "dotnet_process_cpu_time_seconds_total", "dotnet_gc_pause_time_seconds_total"];

    /// <summary>The silos' working set (resident memory), summed: the runtime's own gauge, read from each silo's metrics page.</summary>
    public static async Task<long> WorkingSetAsync(IReadOnlyList<string> metrics)
    {
        const string WorkingSet = "dotnet_process_memory_working_set_bytes";
        return (long)Counters(await ScrapeAsync(metrics), [WorkingSet]).GetValueOrDefault(WorkingSet);
    }

    /// <summary>Each counter summed over its labels and the silos; a counter no silo exposes is absent.</summary>
    public static Dictionary<string, double> Counters(IReadOnlyList<string> pages, IReadOnlyCollection<string> names)
    {
        var sums = new Dictionary<string, double>();
        foreach (var text in pages)
        {
            foreach (var line in text.Split('\n'))
            {
                var end = line.IndexOfAny(['{', ' ']);
                if (end > 0 && names.Contains(line[..end]))
                {
                    var rest = line[end] == '{' ? line[(line.IndexOf('}', end) + 1)..] : line[end..];
                    var value = double.Parse(rest.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    sums[line[..end]] = sums.GetValueOrDefault(line[..end]) + value;
                }
            }
        }
        return sums;
    }

    /// <summary>Cumulative count per upper bound, summed over the silos; empty when none answers.</summary>
    /// <param name="labels">Only the series whose labels hold each of these (<c>writer="EventQueueStore"</c>).</param>
    public static SortedDictionary<double, double> Histogram(IReadOnlyList<string> pages, string histogram, string[]? labels = null)
    {
        var bucket = histogram + "_bucket{";
        var buckets = new SortedDictionary<double, double>();
        foreach (var text in pages)
        {
            foreach (var line in text.Split('\n').Where(l => l.StartsWith(bucket, StringComparison.Ordinal)
                && (labels ?? []).All(label => l.Contains(label, StringComparison.Ordinal))))
            {
                var le = line[(line.IndexOf("le=\"", StringComparison.Ordinal) + 4)..];
                le = le[..le.IndexOf('"')];
                var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
                var value = double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                buckets[bound] = buckets.GetValueOrDefault(bound) + value;
            }
        }
        return buckets;
    }

    /// <summary>The metrics page of each process that answers, read once for all the figures taken from it.</summary>
    /// <param name="token">A bearer token, for a metrics page that asks for one (the gateway's).</param>
    public static async Task<List<string>> ScrapeAsync(IEnumerable<string> urls, string? token = null)
    {
        var texts = new List<string>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        foreach (var url in urls)
        {
            try
            {
                texts.Add(await http.GetStringAsync(url));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // A silo that does not answer counts for nothing.
            }
        }
        return texts;
    }

    /// <summary>The median and p99 of a histogram over what was recorded between two scrapes, in seconds; null without data.</summary>
    public static (double P50, double P99)? Quantiles(IReadOnlyList<string> before, IReadOnlyList<string> after, string histogram, string[]? labels = null)
    {
        var (from, to) = (Histogram(before, histogram, labels), Histogram(after, histogram, labels));
        return Quantile(from, to, 0.5) is { } p50 && Quantile(from, to, 0.99) is { } p99 ? (p50, p99) : null;
    }

    /// <summary>The quantile of what was recorded between the two scrapes, in seconds; null without data.</summary>
    public static double? Quantile(SortedDictionary<double, double> before, SortedDictionary<double, double> after, double q)
    {
        var delta = after.Select(b => (Bound: b.Key, Count: b.Value - before.GetValueOrDefault(b.Key))).ToList();
        var total = delta.LastOrDefault().Count;
        if (total <= 0)
        {
            return null;
        }
        var rank = q * total;
        var (lower, below) = (0.0, 0.0);
        foreach (var (bound, count) in delta)
        {
            if (count >= rank)
            {
                return double.IsPositiveInfinity(bound) ? lower : lower + (bound - lower) * ((rank - below) / Math.Max(count - below, 1e-9));
            }
            (lower, below) = (bound, count);
        }
        return lower;
    }
}
