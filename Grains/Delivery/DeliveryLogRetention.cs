using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>
/// Purges delivery log rows and finished deliveries older than the retention, in bounded batches,
/// hourly, on one silo of the cluster: the one that holds the <see cref="ClusterLease"/>. Every
/// silo tries the lease each minute, so the purge moves within a minute when its silo leaves, and
/// a silo that takes the lease purges at once.
/// </summary>
public sealed class DeliveryLogRetention(DeliveryStore store, ClusterLease lease, IOptions<DeliverySettings> settings,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider clock,
    ILogger<DeliveryLogRetention> logger) : BackgroundService
{
    private const int Batch = 5000;
    private static readonly TimeSpan Period = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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
                var before = clock.GetUtcNow() - TimeSpan.FromDays(settings.Value.LogRetentionDays);
                var logRows = await PurgeAsync(store.PurgeLogAsync, before, stoppingToken);
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
