using Microsoft.Extensions.Hosting;

namespace EventsSubscriptions.Grains.Regions;

/// <summary>
/// Reads the changes of the region tree into this silo's copy every few seconds, once the copy is
/// in use. A move answers after every active silo read it; this bounds how long a silo that the
/// move did not reach (one joining the cluster during the move, or one that a move's 503 left out)
/// can scope events by the old tree. One indexed query per period; nothing when no region changed.
/// </summary>
public sealed class RegionPathsRefresher(RegionPaths regions) : BackgroundService
{
    /// <summary>How often the copy reads the tree's changes.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (!regions.InUse)
            {
                continue;
            }
            try
            {
                await regions.RefreshAsync(cancellationToken: stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database is away: the next period tries again; moves meanwhile fail their broadcast.
            }
        }
    }
}
