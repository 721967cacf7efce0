using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;

namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// The SSRF guard end to end, on the production settings (https only, public addresses only):
/// a host name passes the URL check at create time, and is refused at delivery because it
/// resolves to loopback (as a DNS rebinding attack would make it).
/// </summary>
[Collection(ServiceClusterCollection.Name)]
public sealed class SsrfTests(ServiceCluster service)
{
    private readonly EventsClient api = new(service);

    [Fact]
    public async Task A_host_name_resolving_to_loopback_is_refused_at_delivery_and_the_log_says_why()
    {
        var host = await LoopbackNameAsync();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var resource = $"ssrf-{Guid.NewGuid():N}"[..20];
        var body = EventsClient.Subscription($"entity:{resource}:created", """{"filters": [{"tag": "context.*"}]}""");
        body["url"] = $"https://{host}:{port}/hooks";
        var subscription = await api.SubscribeAsync(body);

        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Mallory" });

        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonNode? entry = null;
        while (entry is null && DateTime.UtcNow < deadline)
        {
            var (_, logs, _) = await api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{subscription}/logs");
            entry = JsonNode.Parse(logs.GetRawText())!["data"]!.AsArray().FirstOrDefault();
            await Task.Delay(entry is null ? 200 : 0);
        }
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

    /// <summary>A name (not an IP literal, not "localhost") that this machine resolves to loopback only.</summary>
    private static async Task<string> LoopbackNameAsync()
    {
        // Names that /etc/hosts maps to loopback (the machine's own name, usually), then the usual aliases.
        var hosts = File.Exists("/etc/hosts") ? await File.ReadAllLinesAsync("/etc/hosts") : [];
        var mapped = hosts
            .Select(line => line.Split('#')[0].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length > 1 && IPAddress.TryParse(fields[0], out var address) && IPAddress.IsLoopback(address))
            .SelectMany(fields => fields.Skip(1));
        var candidates = mapped.Concat([Dns.GetHostName(), "localhost.localdomain", "ip6-localhost", "ip6-loopback"])
            .Where(name => !name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                && !name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            .Distinct();
        foreach (var name in candidates)
        {
            try
            {
                var addresses = await Dns.GetHostAddressesAsync(name);
                if (addresses.Length > 0 && addresses.All(IPAddress.IsLoopback))
                {
                    return name;
                }
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("No host name of this machine resolves to loopback only (see /etc/hosts).");
    }
}
