using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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

    /// <summary>
    /// Each read's bound: with Redis out of reach a look takes two of them (the membership, then
    /// PostgreSQL), so contact is still renewed every second, within <see cref="Window"/>.
    /// </summary>
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromMilliseconds(500);

    private readonly FenceState state = new(Window);

    /// <summary>True while this silo is a confirmed member and in contact; checked at the moment of acting.</summary>
    public bool IsOpen => state.IsOpen(clock.GetUtcNow());

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
        var change = await ReadStatusAsync(table, self) is { } status
            ? state.Membership(status, clock.GetUtcNow())
            // The membership is out of reach: PostgreSQL answering shows the silo is not cut off.
            : state.NoMembership(state.AsksDatabase && await DatabaseAnswersAsync(cancellationToken), clock.GetUtcNow());
        switch (change)
        {
            case FenceChange.NotActive:
                LogNotActive();
                break;
            case FenceChange.BackInContact:
                LogBackInContact();
                break;
            case FenceChange.Isolated:
                LogIsolated(Window.TotalSeconds);
                break;
        }
    }

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

    [LoggerMessage(2031, LogLevel.Warning, "The membership says this silo is not active: it stops calling receivers and reading the event queue")]
    private partial void LogNotActive();

    [LoggerMessage(2032, LogLevel.Information, "The membership says this silo is active again: it calls receivers and reads the event queue")]
    private partial void LogBackInContact();
}

/// <summary>What a look at the membership or the database changed about the fence.</summary>
public enum FenceChange
{
    None,
    NotActive,
    BackInContact,
    Isolated,
}

/// <summary>
/// The fence's rule (<see cref="SiloFence"/>), apart from the reads that feed it: open while the
/// membership last said this silo is active and it was in contact (the membership or PostgreSQL
/// answered) within the window; closed for isolation until the membership says active again.
/// </summary>
public sealed class FenceState(TimeSpan window)
{
    private long lastContactTicks;
    private volatile bool member;
    private volatile bool isolated;

    public bool IsOpen(DateTimeOffset now) => member && !isolated && now.UtcTicks - Interlocked.Read(ref lastContactTicks) <= window.Ticks;

    /// <summary>Whether a failed membership read should ask PostgreSQL: not once isolated (only the membership reopens).</summary>
    public bool AsksDatabase => !isolated;

    /// <summary>The membership answered: this silo's status in it.</summary>
    public FenceChange Membership(SiloStatus status, DateTimeOffset now)
    {
        var active = status == SiloStatus.Active;
        var change = member && !active ? FenceChange.NotActive
            : active && isolated ? FenceChange.BackInContact
            : FenceChange.None;
        member = active;
        isolated &= !active;
        Interlocked.Exchange(ref lastContactTicks, now.UtcTicks);
        return change;
    }

    /// <summary>The membership did not answer; <paramref name="databaseAnswered"/> whether PostgreSQL did.</summary>
    public FenceChange NoMembership(bool databaseAnswered, DateTimeOffset now)
    {
        if (isolated)
        {
            return FenceChange.None;
        }
        if (databaseAnswered)
        {
            Interlocked.Exchange(ref lastContactTicks, now.UtcTicks);
            return FenceChange.None;
        }
        if (now.UtcTicks - Interlocked.Read(ref lastContactTicks) > window.Ticks)
        {
            isolated = true;
            return FenceChange.Isolated;
        }
        return FenceChange.None;
    }
}
