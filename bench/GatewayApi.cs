using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace EventsSubscriptions.Bench;

/// <summary>The gateway, as a client of the service sees it.</summary>
internal sealed class GatewayApi : IDisposable
{
    private readonly HttpClient http;
    private readonly int? maxInFlight;

    public GatewayApi(BenchOptions options)
    {
        maxInFlight = options.MaxInFlight;
        http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(options.Concurrency, 32) })
        {
            BaseAddress = new Uri(options.Gateway),
            Timeout = TimeSpan.FromSeconds(60),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
    }

    /// <summary>
    /// Creates a subscription to <c>created</c> and <c>updated</c> of the resource, everywhere in
    /// the region tree; with <paramref name="neverMatches"/>, its filter refuses every event the
    /// bench sends (a counter is never negative), so it costs routing but receives nothing.
    /// </summary>
    public async Task<long> SubscribeAsync(string resource, string customId, string url, bool neverMatches = false)
    {
        var filters = neverMatches ? """, "userDefinedFilters": {"counter:lt": "0"}""" : "";
        filters += maxInFlight is { } most ? $$""", "delivery": {"maxInFlight": {{most}}}""" : "";
        var body = $$"""
            {"customId": "{{customId}}", "name": "bench", "events": ["entity:{{resource}}:updated", "entity:{{resource}}:created"],
             "contextFilters": {"filters": [{"tag": "context.*"}]}, "url": "{{url}}", "secret": "bench-secret-0123456789"{{filters}}}
            """;
        for (var attempt = 1; ; attempt++)
        {
            using var response = await http.PostAsync("/rest/v1/events-subscriptions", new StringContent(body, Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                return JsonDocument.Parse(text).RootElement.GetProperty("data").GetProperty("id").GetInt64();
            }
            if ((int)response.StatusCode == 409)
            {
                throw new InvalidOperationException($"customId {customId} exists: {text}");
            }
            if (attempt == 5)
            {
                throw new InvalidOperationException($"creating a subscription answered {(int)response.StatusCode}: {text}");
            }
            await Task.Delay(500 * attempt);
        }
    }

    /// <summary>
    /// Changes a never-matching subscription's filter to another that never matches either (a
    /// counter is never below <paramref name="below"/> when it is negative): its route changes, its
    /// deliveries do not. The status code.
    /// </summary>
    public async Task<int> RefilterAsync(long id, int below)
    {
        var body = $$$"""{"userDefinedFilters": {"counter:lt": "{{{below}}}"}}""";
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/rest/v1/events-subscriptions/{id}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return (int)response.StatusCode;
    }

    /// <summary>Creates many subscriptions with <paramref name="concurrency"/> requests in flight.</summary>
    public async Task SubscribeManyAsync(int count, int concurrency, Func<int, Task> create, string what)
    {
        var next = -1;
        var started = DateTime.UtcNow;
        var lastReport = DateTime.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, Math.Max(1, count))).Select(async _ =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < count)
            {
                await create(n);
                if (DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(30))
                {
                    lastReport = DateTime.UtcNow;
                    Console.WriteLine($"  … {n + 1} of {count} {what} created ({(n + 1) / (DateTime.UtcNow - started).TotalSeconds:0}/s)");
                }
            }
        }));
    }

    /// <summary>Upserts an entity; the event id the change fired, or null when it was not accepted.</summary>
    public async Task<Guid?> PutAsync(string resource, long id, string json)
    {
        try
        {
            using var response = await http.PutAsync($"/rest/v1/{resource}/{id}", new StringContent(json, Encoding.UTF8, "application/json"));
            return response.IsSuccessStatusCode && response.Headers.TryGetValues("X-Event-Id", out var values)
                ? Guid.Parse(values.Single())
                : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>A GET whose answer is read whole; its status.</summary>
    public async Task<int> GetAsync(string path)
    {
        using var response = await http.GetAsync(path);
        await response.Content.ReadAsByteArrayAsync();
        return (int)response.StatusCode;
    }

    public void Dispose() => http.Dispose();
}
