using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Runtime;

namespace EventsSubscriptions.Grains.Hosting;

/// <summary>Whether this silo may act for what it holds now (<see cref="SiloFence"/>).</summary>
public interface ISiloFence
{
    bool IsOpen { get; }
}

/// <summary>
/// Whether this silo may act for the grains and queues it holds: call receivers, read the event
/// queue. A silo cut off from the network goes on running; the others declare it dead after
/// <c>Cluster__MaxProbeTimeoutSeconds</c> × <c>Cluster__MissedProbesLimit</c> and take its work over,
/// and when the network comes back it learns it is dead only at its next look at the membership.
/// Until then its activations would send what the new ones send too, out of order. So the fence
/// closes first: when this silo has reached neither the membership (Redis) nor PostgreSQL for
/// <see cref="Window"/> (shorter than the others' detection), and when the membership says it is
/// not active. Once closed for isolation it opens again only when the membership says it is active
/// (after a heal it says dead, and the silo stops). Redis alone unreachable does not close it: no
/// silo can be declared dead then.
/// </summary>
public sealed partial class SiloFence(
    IServiceProvider services, NpgsqlDataSource database, TimeProvider clock, ILogger<SiloFence> logger) : BackgroundService, ISiloFence
{
    /// <summary>
    /// How long without contact closes the fence: shorter than the others' failure detection
    /// (2 s with the default 1-s probes, 2 missed), so that it is closed before the cluster moves its work.
    /// </summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(1500);

    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(1);

    private long lastContactTicks;
    private volatile bool member;
    private volatile bool isolated;

    /// <summary>True while this silo is a confirmed member and in contact; checked at the moment of acting.</summary>
    public bool IsOpen => member && !isolated && clock.GetUtcNow().UtcTicks - Interlocked.Read(ref lastContactTicks) <= Window.Ticks;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Resolved here: the membership table exists once the silo runs.
        var table = services.GetRequiredService<IMembershipTable>();
        var self = services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        using var timer = new PeriodicTimer(Period, clock);
        try
        {
            do
            {
                await CheckAsync(table, self, stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The silo stops.
        }
    }

    private async Task CheckAsync(IMembershipTable table, SiloAddress self, CancellationToken cancellationToken)
    {
        var status = await ReadStatusAsync(table, self);
        if (status is { } known)
        {
            var active = known == SiloStatus.Active;
            if (member && !active)
            {
                LogNotActive(known);
            }
            if (active && isolated)
            {
                LogBackInContact();
            }
            member = active;
            isolated &= !active;
            Touch();
            return;
        }
        // The membership is out of reach: PostgreSQL answering shows the silo is not cut off.
        if (!isolated && await DatabaseAnswersAsync(cancellationToken))
        {
            Touch();
            return;
        }
        if (!isolated && clock.GetUtcNow().UtcTicks - Interlocked.Read(ref lastContactTicks) > Window.Ticks)
        {
            isolated = true;
            LogIsolated(Window.TotalSeconds);
        }
    }

    private void Touch() => Interlocked.Exchange(ref lastContactTicks, clock.GetUtcNow().UtcTicks);

    private async Task<SiloStatus?> ReadStatusAsync(IMembershipTable table, SiloAddress self)
    {
        try
        {
            using var timeout = new CancellationTokenSource(ReadTimeout);
            var read = await table.ReadRowAsync(self, timeout.Token).WaitAsync(ReadTimeout);
            return read.Members.FirstOrDefault(m => m.Item1.SiloAddress.Equals(self))?.Item1.Status ?? SiloStatus.None;
        }
        catch (Exception)
        {
            // Unreachable, slow or refusing: no answer this time (never an end of the loop).
            return null;
        }
    }

    private async Task<bool> DatabaseAnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ReadTimeout);
            await using var command = database.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return true;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(2030, LogLevel.Warning, "This silo reached neither the membership nor PostgreSQL for {Seconds} s: it stops calling receivers and reading the event queue until the membership says it is active")]
    private partial void LogIsolated(double seconds);

    [LoggerMessage(2031, LogLevel.Warning, "The membership says this silo is {Status}: it stops calling receivers and reading the event queue")]
    private partial void LogNotActive(SiloStatus status);

    [LoggerMessage(2032, LogLevel.Information, "The membership says this silo is active again: it calls receivers and reads the event queue")]
    private partial void LogBackInContact();
}
