using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>
/// Keeps the delivery log's daily partitions: makes the next days' ahead, and drops the days past
/// the retention whole (a day goes once its end is past: rows are kept the retention and at most a
/// day more). Finished deliveries older than the retention are purged in bounded batches. Hourly,
/// on one silo of the cluster: the one that holds the <see cref="ClusterLease"/>. Every
/// silo tries the lease each minute, so the purge moves within a minute when its silo leaves, and
/// a silo that takes the lease purges at once.
/// </summary>
public sealed class DeliveryLogRetention(DeliveryStore store, ClusterLease lease, IOptions<DeliverySettings> settings,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider clock,
    ILogger<DeliveryLogRetention> logger) : BackgroundService
{
    private const int Batch = 5000;
    private static readonly TimeSpan Period = TimeSpan.FromHours(1);

    /// <summary>Days of delivery log partitions made ahead of today: the log takes rows for as long without this job.</summary>
    public const int DaysAhead = 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Every silo makes the days ahead once at start: a cluster that was down for days has
        // today's partition before it logs, whichever silo takes the lease.
        await AddPartitionsAsync(stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), clock);
        DateTimeOffset? lastRun = null;
        do
        {
            if (!await lease.HoldAsync(stoppingToken))
            {
                lastRun = null;
                continue;
            }
            if (lastRun is { } last && clock.GetUtcNow() - last < Period)
            {
                continue;
            }
            lastRun = clock.GetUtcNow();
            try
            {
                var now = clock.GetUtcNow();
                // The days ahead first: a log row always finds its day's partition.
                await store.AddLogPartitionsAsync(now, DaysAhead, stoppingToken);
                var before = now - TimeSpan.FromDays(settings.Value.LogRetentionDays);
                var logRows = await store.DropLogPartitionsAsync(before, stoppingToken)
                    + await PurgeAsync(store.PurgeUpgradedLogAsync, before, stoppingToken);
                var deliveries = await PurgeAsync(store.PurgeFinishedAsync, before, stoppingToken);
                if (logRows + deliveries > 0)
                {
                    logger.Purged(logRows, deliveries, before);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.PurgeFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task AddPartitionsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.AddLogPartitionsAsync(clock.GetUtcNow(), DaysAhead, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The lease's holder makes them within the hour, and a record that finds no partition
            // waits and is tried again, as in an outage.
            logger.PurgeFailed(e);
        }
    }

    private static async Task<int> PurgeAsync(Func<DateTimeOffset, int, CancellationToken, Task<int>> purge, DateTimeOffset before,
        CancellationToken cancellationToken)
    {
        int deleted, total = 0;
        do
        {
            deleted = await purge(before, Batch, cancellationToken);
            total += deleted;
        }
        while (deleted == Batch && !cancellationToken.IsCancellationRequested);
        return total;
    }
}
