using System.Net.Sockets;

namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// The SSRF guard end to end, on the production settings (https only, public addresses only):
/// a host name passes the URL check at create time, and is refused at delivery because it
/// resolves to loopback (as a DNS rebinding attack would make it). The name is the test's own
/// (<see cref="LoopbackHostName"/>).
/// </summary>
[Trait("Category", "Functional")]
[Collection(ServiceClusterCollection.Name)]
public sealed class SsrfTests(ServiceCluster service) : IAsyncLifetime
{
    private readonly EventsClient api = new(service);

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>The subscription, refused at every attempt, does not go on retrying while later tests run.</summary>
    public Task DisposeAsync() => api.ArchiveSubscribedAsync();

    [Fact]
    public async Task A_host_name_resolving_to_loopback_is_refused_at_delivery_and_the_log_says_why()
    {
        using var loopback = await LoopbackHostName.CreateAsync();
        var host = loopback.Name;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var resource = $"ssrf-{Guid.NewGuid():N}"[..20];
        var body = EventsClient.Subscription($"entity:{resource}:created", """{"filters": [{"tag": "context.*"}]}""");
        body["url"] = $"https://{host}:{port}/hooks";
        var subscription = await api.SubscribeAsync(body);

        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Mallory" });

        JsonNode? entry = null;
        await Eventually.HoldsAsync(async () =>
        {
            var (_, logs, _) = await api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{subscription}/logs");
            entry = JsonNode.Parse(logs.GetRawText())!["data"]!.AsArray().FirstOrDefault();
            return entry is not null;
        }, TimeSpan.FromSeconds(60), "the delivery was never logged");
        Assert.NotNull(entry);
        Assert.Equal("RETRY_SCHEDULED", entry["outcome"]!.GetValue<string>());
        Assert.Null(entry["statusCode"]);
        var error = entry["error"]!.GetValue<string>();
        Assert.Contains("refused by the SSRF guard", error);
        Assert.Contains($"'{host}'", error);
        Assert.Contains("loopback", error);
        Assert.Contains("not allowed", error);
        // Refused before connecting: nothing ever reached the address the name resolves to.
        Assert.False(listener.Pending());
    }
}
