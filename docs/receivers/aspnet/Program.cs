// A runnable webhook receiver with an ASP.NET Core minimal API. Run it with:
//   WEBHOOK_SECRET='the subscription secret' PORT=5080 dotnet run --project docs/receivers/aspnet
// and give the subscription the url http://<this host>:5080/webhooks. It checks the secret header
// and the signature on the raw body (WebhookVerifier.cs, next to this folder), refuses what fails
// with 401, answers a delivery it has had already (same webhook-id) with 200 without handling it
// again, and prints one line per webhook handled.
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using EventsSubscriptions.Receivers;

var secret = Environment.GetEnvironmentVariable("WEBHOOK_SECRET");
if (string.IsNullOrEmpty(secret))
{
    Console.Error.WriteLine("Set WEBHOOK_SECRET to the subscription's secret.");
    return 2;
}
var headerName = Environment.GetEnvironmentVariable("SECRET_HEADER_NAME") ?? "TrackTik-Subscription-Secret";
var port = Environment.GetEnvironmentVariable("PORT") ?? "5080";

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
builder.Logging.ClearProviders();
var app = builder.Build();

// webhook-ids handled already (delivery is at least once); a real receiver keeps them in its database.
var handled = new ConcurrentDictionary<string, bool>();

app.MapPost("/webhooks", async (HttpRequest request) =>
{
    using var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer);            // the raw body, before any JSON parsing
    var body = buffer.ToArray();
    var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
    if (!WebhookVerifier.IsValid(body, headers, secret, headerName, DateTimeOffset.UtcNow))
    {
        Console.WriteLine($"refused {headers.GetValueOrDefault("webhook-id", "(no webhook-id)")}");
        return Results.Text("invalid secret header or signature", statusCode: 401);
    }
    var id = headers["webhook-id"];
    if (!handled.TryAdd(id, true))
    {
        return Results.Text("already handled");
    }
    var webhook = JsonNode.Parse(body)!;
    // Handle it here (quickly: answer within the subscription's timeout, queue long work).
    Console.WriteLine($"verified {id} {webhook["meta"]!["event"]} {webhook["data"]!.ToJsonString()}");
    return Results.Text("ok");
});

Console.WriteLine($"listening on {port}");
await app.RunAsync();
return 0;
