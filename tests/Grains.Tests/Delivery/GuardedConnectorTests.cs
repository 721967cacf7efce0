using System.Net;
using System.Net.Sockets;

namespace EventsSubscriptions.Grains.Tests.Delivery;

[Trait("Category", "Unit")]
public sealed class GuardedConnectorTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task A_loopback_target_is_refused_before_connecting_and_the_error_says_why(string host)
    {
        using var receiver = new Receiver();
        using var client = new HttpClient(new GuardedConnector(new WebhookTargetPolicy(new WebhookSettings { AllowHttp = true })).CreateHandler());

        var error = await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetAsync($"http://{host}:{receiver.Port}/hook"));

        Assert.Contains("loopback", Messages(error));
        Assert.Equal(0, receiver.Accepted);
    }

    [Fact]
    public async Task An_allow_listed_target_is_called()
    {
        using var receiver = new Receiver();
        var policy = new WebhookTargetPolicy(new WebhookSettings { AllowHttp = true, AllowedNetworks = ["127.0.0.0/8", "::1/128"] });
        using var client = new HttpClient(new GuardedConnector(policy).CreateHandler());

        using var response = await client.GetAsync($"http://localhost:{receiver.Port}/hook");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(1, receiver.Accepted);
    }

    [Fact]
    public async Task Redirects_are_not_followed()
    {
        using var receiver = new Receiver("HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/\r\nContent-Length: 0\r\n\r\n");
        var policy = new WebhookTargetPolicy(new WebhookSettings { AllowHttp = true, AllowedNetworks = ["127.0.0.0/8"] });
        using var client = new HttpClient(new GuardedConnector(policy).CreateHandler());

        using var response = await client.GetAsync($"http://127.0.0.1:{receiver.Port}/hook");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
    }

    private static string Messages(Exception? e)
    {
        var text = new StringBuilder();
        for (; e is not null; e = e.InnerException)
        {
            text.Append(e.Message).Append(" | ");
        }
        return text.ToString();
    }

    /// <summary>A one-answer HTTP server on loopback that counts the connections it accepted.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private int accepted;

        public Receiver(string answer = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        {
            listener.Start();
            _ = Task.Run(async () =>
            {
                while (true)
                {
                    using var socket = await listener.AcceptSocketAsync();
                    Interlocked.Increment(ref accepted);
                    var buffer = new byte[4096];
                    await socket.ReceiveAsync(buffer);
                    await socket.SendAsync(Encoding.ASCII.GetBytes(answer));
                    socket.Shutdown(SocketShutdown.Both);
                }
            });
        }

        public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

        public int Accepted => Volatile.Read(ref accepted);

        public void Dispose() => listener.Stop();
    }
}
