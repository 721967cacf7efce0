using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;

// Event acceptance and delivery: N entity changes through the gateway, with C requests in flight,
// to a resource that S subscriptions listen to; reports accepted events/s (2xx answers), how long
// until every subscription's outbox holds every event (queued deliveries/s), and, with --deliver,
// how long until a local receiver (Kestrel, answers 200 at once) got every call, with the
// event-accepted-to-received latency.
//   dotnet run --project bench -c Release -- --gateway http://127.0.0.1:8080 --token $TOKEN \
//       --postgres "Host=127.0.0.1;Port=55432;Username=postgres;Database=events_subscriptions" \
//       --events 20000 --subscriptions 10 --concurrency 64 --entities 200
var options = Options.Parse(args);
var run = Guid.NewGuid().ToString("N")[..8];
var resource = $"bench-{run}";
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency })
{
    BaseAddress = new Uri(options.Gateway),
    Timeout = TimeSpan.FromSeconds(60),
};
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);

// The receiver: counts calls, and the time from each event's acceptance (in its version 7 id) to its arrival.
var received = 0L;
var arrivals = new System.Collections.Concurrent.ConcurrentBag<double>();
WebApplication? receiver = null;
var hookUrl = "https://hooks.example.com/bench";
if (options.Deliver)
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.WebHost.UseUrls("http://127.0.0.1:0");
    builder.Logging.ClearProviders();
    receiver = builder.Build();
    receiver.MapPost("/hook", async (HttpContext context) =>
    {
        using var document = await JsonDocument.ParseAsync(context.Request.Body);
        var eventId = Guid.Parse(document.RootElement.GetProperty("meta").GetProperty("eventId").GetString()!);
        var accepted = DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(eventId.ToString("N")[..12], 16));
        arrivals.Add((DateTimeOffset.UtcNow - accepted).TotalMilliseconds);
        Interlocked.Increment(ref received);
        return Results.Ok();
    });
    await receiver.StartAsync();
    hookUrl = $"{receiver.Urls.First()}/hook";
}

var subscriptions = new List<long>();
for (var i = 0; i < options.Subscriptions; i++)
{
    var body = $$"""
        {"customId": "bench-{{run}}-{{i}}", "name": "bench {{run}}", "events": ["entity:{{resource}}:updated", "entity:{{resource}}:created"],
         "contextFilters": {"filters": [{"tag": "context.*"}]}, "url": "{{hookUrl}}", "secret": "bench-secret-0123456789"}
        """;
    using var response = await http.PostAsync("/rest/v1/events-subscriptions", new StringContent(body, Encoding.UTF8, "application/json"));
    response.EnsureSuccessStatusCode();
    subscriptions.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("id").GetInt64());
}

var next = 0;
var failures = 0;
var latencies = new double[options.Events];
var clock = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async _ =>
{
    while (true)
    {
        var n = Interlocked.Increment(ref next) - 1;
        if (n >= options.Events)
        {
            return;
        }
        var entity = n % options.Entities + 1;
        var started = Stopwatch.GetTimestamp();
        using var response = await http.PutAsync($"/rest/v1/{resource}/{entity}",
            new StringContent($$"""{"counter": {{n}}, "name": "entity {{entity}}"}""", Encoding.UTF8, "application/json"));
        latencies[n] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (!response.IsSuccessStatusCode)
        {
            Interlocked.Increment(ref failures);
        }
    }
}));
var accepted = clock.Elapsed;

var expected = (long)(options.Events - failures) * subscriptions.Count;
await using var postgres = NpgsqlDataSource.Create(options.Postgres);
long queued;
do
{
    await using var count = postgres.CreateCommand("SELECT count(*) FROM delivery_outbox WHERE subscription_id = ANY($1)");
    count.Parameters.Add(new NpgsqlParameter { Value = subscriptions.ToArray() });
    queued = (long)(await count.ExecuteScalarAsync())!;
    if (queued < expected)
    {
        await Task.Delay(100);
    }
}
while (queued < expected && clock.Elapsed < TimeSpan.FromMinutes(10));
var all = clock.Elapsed;

Array.Sort(latencies);
double Percentile(double p) => latencies[(int)Math.Min(latencies.Length - 1, Math.Ceiling(p * latencies.Length) - 1)];
Console.WriteLine($"events {options.Events} over {options.Entities} entities, {subscriptions.Count} subscriptions, concurrency {options.Concurrency}");
Console.WriteLine($"accepted      {options.Events - failures} in {accepted.TotalSeconds:0.00} s = {(options.Events - failures) / accepted.TotalSeconds:0} events/s ({failures} failed)");
Console.WriteLine($"API latency   p50 {Percentile(0.50):0.0} ms  p95 {Percentile(0.95):0.0} ms  p99 {Percentile(0.99):0.0} ms  max {latencies[^1]:0.0} ms");
Console.WriteLine($"queued        {queued} of {expected} deliveries in {all.TotalSeconds:0.00} s = {queued / all.TotalSeconds:0} deliveries/s, {queued / (double)subscriptions.Count / all.TotalSeconds:0} events/s into all outboxes");
if (receiver is null)
{
    return queued >= expected ? 0 : 1;
}
while (Interlocked.Read(ref received) < expected && clock.Elapsed < TimeSpan.FromMinutes(15))
{
    await Task.Delay(100);
}
var delivered = clock.Elapsed;
var latency = arrivals.ToArray();
Array.Sort(latency);
double Arrival(double p) => latency.Length == 0 ? double.NaN : latency[(int)Math.Min(latency.Length - 1, Math.Ceiling(p * latency.Length) - 1)];
Console.WriteLine($"delivered     {received} of {expected} calls in {delivered.TotalSeconds:0.00} s = {received / delivered.TotalSeconds:0} deliveries/s");
Console.WriteLine($"accepted->received  p50 {Arrival(0.50):0} ms  p95 {Arrival(0.95):0} ms  p99 {Arrival(0.99):0} ms  max {(latency.Length == 0 ? double.NaN : latency[^1]):0} ms");
await receiver.StopAsync();
return received >= expected ? 0 : 1;

internal sealed record Options(string Gateway, string Token, string Postgres, int Events, int Subscriptions, int Concurrency, int Entities, bool Deliver)
{
    public static Options Parse(string[] args)
    {
        string Get(string name, string? fallback = null)
        {
            var i = Array.IndexOf(args, $"--{name}");
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback ?? throw new ArgumentException($"--{name} is required");
        }
        return new Options(Get("gateway", "http://127.0.0.1:8080"), Get("token"),
            Get("postgres", "Host=127.0.0.1;Port=55432;Username=postgres;Database=events_subscriptions"),
            int.Parse(Get("events", "20000")), int.Parse(Get("subscriptions", "10")), int.Parse(Get("concurrency", "64")),
            int.Parse(Get("entities", "200")), args.Contains("--deliver"));
    }
}
