using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// A host name (not an IP literal, not a <c>localhost</c> name) that this machine resolves to
/// loopback only, for the SSRF guard's tests. As root the test writes its own: a line of
/// <c>/etc/hosts</c> with a name nobody else uses, removed again on dispose (processes started
/// meanwhile, the silos among them, resolve it through the same file). Otherwise it looks for a name
/// the machine maps to loopback already.
/// </summary>
public sealed class LoopbackHostName : IDisposable
{
    private const string HostsFile = "/etc/hosts";
    private static readonly string LockFile = Path.Combine(Path.GetTempPath(), "events-subscriptions-etc-hosts.lock");
    private readonly string? line;

    private LoopbackHostName(string name, string? line)
    {
        Name = name;
        this.line = line;
    }

    public string Name { get; }

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();

    private static bool IsRoot => OperatingSystem.IsLinux() && GetEffectiveUserId() == 0;

    public static async Task<LoopbackHostName> CreateAsync()
    {
        if (IsRoot && File.Exists(HostsFile))
        {
            var name = $"ssrf-{Guid.NewGuid():N}"[..17] + ".test";
            var line = $"127.0.0.1 {name} # events-subscriptions test, pid {Environment.ProcessId}";
            Edit(lines => [.. lines, line]);
            var resolved = await Dns.GetHostAddressesAsync(name);
            Assert.True(resolved.Length > 0 && resolved.All(IPAddress.IsLoopback), $"{name} was added to {HostsFile} but resolves to {string.Join(", ", resolved.Select(a => a.ToString()))}");
            return new LoopbackHostName(name, line);
        }
        return new LoopbackHostName(await ExistingNameAsync(), null);
    }

    public void Dispose()
    {
        if (line is not null)
        {
            Edit(lines => [.. lines.Where(l => l != line)]);
        }
    }

    /// <summary>Rewrites /etc/hosts in place (it is often a bind mount), under a lock shared with other test runs.</summary>
    private static void Edit(Func<string[], string[]> change)
    {
        using var held = AcquireLock();
        var text = File.ReadAllText(HostsFile);
        var lines = text.Split('\n');
        if (lines.Length > 0 && lines[^1].Length == 0)
        {
            lines = lines[..^1];
        }
        File.WriteAllText(HostsFile, string.Join('\n', change(lines)) + "\n");
    }

    private static FileStream AcquireLock()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }

    private static async Task<string> ExistingNameAsync()
    {
        // Names that /etc/hosts maps to loopback (the machine's own name, usually), then the usual aliases.
        var hosts = File.Exists(HostsFile) ? await File.ReadAllLinesAsync(HostsFile) : [];
        var mapped = hosts
            .Select(entry => entry.Split('#')[0].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
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
        throw new InvalidOperationException(
            $"No host name resolves to loopback only, and the tests do not run as root, which would let them add one to {HostsFile}.");
    }
}
