using System.Net;
using System.Net.Sockets;

namespace EventsSubscriptions.TestSupport;

/// <summary>
/// Ports for the processes a test starts, which bind them seconds later. Linux takes the source
/// port of every outgoing connection from its ephemeral range (32768–60999 by default), in order;
/// a port chosen there and left unbound while a cluster starts can be taken by one of the many
/// connections the tests, silos and database pools open meanwhile, and the silo that was to listen on
/// it then fails to start. The ports handed out here lie below that range, never twice in a run.
/// </summary>
public static class Ports
{
    private const int Lowest = 10_000;
    private static readonly int Highest = EphemeralStart() - 1;
    private static int next = Lowest + Random.Shared.Next(Math.Max(1, Highest - Lowest) / 2);

    public static int Free()
    {
        if (Highest - Lowest < 1_000)
        {
            return FromTheSystem();  // an unusual port range: let the system choose
        }
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var port = Lowest + (Interlocked.Increment(ref next) - Lowest) % (Highest - Lowest + 1);
            if (IsFree(port))
            {
                return port;
            }
        }
        return FromTheSystem();
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FromTheSystem()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int EphemeralStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32_768;
        }
    }
}
