using System.Net;
using System.Net.Sockets;
using EventsSubscriptions.Grains.Interfaces.Webhooks;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>A webhook call refused before connecting; the message says why, for the delivery log.</summary>
public sealed class WebhookTargetRefusedException(string message) : HttpRequestException(message);

/// <summary>
/// The SSRF guard, inside the HTTP client: resolves the host, checks every address with the
/// target policy, and connects only to an address that passed. A name that resolves to a private
/// address is refused here even though it passed the URL check at create time, and there is no
/// second resolution between the check and the connection to be raced.
/// </summary>
public sealed class GuardedConnector(WebhookTargetPolicy policy)
{
    public SocketsHttpHandler CreateHandler() => new()
    {
        ConnectCallback = ConnectAsync,
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        var allowed = new List<IPAddress>();
        var reasons = new List<string>();
        foreach (var address in addresses)
        {
            if (policy.IsAllowed(address, out var reason))
            {
                allowed.Add(address);
            }
            else
            {
                reasons.Add(reason);
            }
        }
        if (allowed.Count == 0)
        {
            throw new WebhookTargetRefusedException(addresses.Length == 0
                ? $"'{endpoint.Host}' did not resolve to any address"
                : $"'{endpoint.Host}' {string.Join("; ", reasons.Distinct())}");
        }
        Exception? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }
        throw new HttpRequestException($"could not connect to '{endpoint.Host}': {last?.Message}", last);
    }
}
