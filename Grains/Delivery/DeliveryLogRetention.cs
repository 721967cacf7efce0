using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>
/// Keeps the partitions of the delivery log (days of attempts) and of the deliveries and their
/// shared data (weeks of events): makes the next days' ahead, and drops the days and weeks past the
/// retention whole (one goes once its end is past: rows are kept the retention and at most a day, or
/// a week, more). A pending delivery is kept, whatever its week (it moves out of the week first). Hourly,
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
                var run = await RunAsync(store, clock.GetUtcNow(), settings.Value.LogRetentionDays, stoppingToken);
                if (run.LogRows + run.Deliveries + run.SharedData + run.Copied > 0)
                {
                    logger.Purged(run.LogRows, run.Deliveries, run.SharedData, run.Copied, run.Before);
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
    /// One run of the job at <paramref name="now"/>: the days ahead made, then everything past the
    /// retention purged, in the order that keeps every pending delivery and its body.
    /// </summary>
    public static async Task<RetentionRun> RunAsync(DeliveryStore store, DateTimeOffset now, int retentionDays, CancellationToken cancellationToken)
    {
        // The days ahead first: a log row and a delivery always find their day's partition.
        await store.AddLogPartitionsAsync(now, DaysAhead, cancellationToken);
        await store.AddDeliveryPartitionsAsync(now, DaysAhead, cancellationToken);
        var before = now - TimeSpan.FromDays(retentionDays);
        var logRows = await store.DropLogPartitionsAsync(before, cancellationToken)
            + await PurgeAsync(store.PurgeUpgradedLogAsync, before, cancellationToken);
        // The deliveries' weeks go whole, their pending deliveries kept with a copy of their data;
        // pending deliveries outside the weeks get their copy too. Then the finished ones outside the
        // weeks go, and last the shared data no delivery can read any more.
        var (deliveries, kept) = await store.DropDeliveryPartitionsAsync(before, cancellationToken);
        var copied = kept + await store.KeepSharedDataAsync(before, cancellationToken);
        deliveries += await PurgeAsync(store.PurgeFinishedAsync, before, cancellationToken);
        var sharedBefore = SharedDataBefore(before);
        var shared = await store.DropSharedDataAsync(sharedBefore, cancellationToken)
            + await PurgeAsync(store.PurgeSharedDataAsync, sharedBefore, cancellationToken);
        return new RetentionRun(before, logRows, deliveries, shared, copied);
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
            await store.AddDeliveryPartitionsAsync(clock.GetUtcNow(), DaysAhead, cancellationToken);
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

/// <summary>
/// What a run of <see cref="DeliveryLogRetention"/> purged before <see cref="Before"/> (rows of whole
/// days are the planner's estimates) and how many pending deliveries it gave their own copy of their data.
/// </summary>
public sealed record RetentionRun(DateTimeOffset Before, long LogRows, long Deliveries, long SharedData, long Copied);
