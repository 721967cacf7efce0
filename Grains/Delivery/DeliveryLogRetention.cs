using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>
/// Keeps the delivery log's daily partitions: makes the next days' ahead, and drops the days past
/// the retention whole (a day goes once its end is past: rows are kept the retention and at most a
/// day more). Finished deliveries older than the retention are purged in bounded batches, then the data
/// their events shared (pending deliveries keep a copy). Hourly,
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
                // Pending deliveries get their own copy of shared data first; then the finished ones
                // go, and with them the last rows that could read the shared data of their days.
                var copied = await store.KeepSharedDataAsync(before, stoppingToken);
                var deliveries = await PurgeAsync(store.PurgeFinishedAsync, before, stoppingToken);
                var shared = await PurgeAsync(store.PurgeSharedDataAsync, SharedDataBefore(before), stoppingToken);
                if (logRows + deliveries + shared + copied > 0)
                {
                    logger.Purged(logRows, deliveries, shared, copied, before);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.PurgeFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// The events whose shared data may go when deliveries queued before <paramref name="before"/>
    /// are past the retention: a delivery shares its event's data only when queued within
    /// <see cref="WebhookBodies.SharedFor"/> of the event (an hour more for clocks that differ).
    /// </summary>
    public static DateTimeOffset SharedDataBefore(DateTimeOffset before) => before - WebhookBodies.SharedFor - TimeSpan.FromHours(1);

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
