using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>
/// Purges delivery log rows and finished deliveries older than the retention, at start and then
/// hourly, in bounded batches (every silo may; it is idempotent).
/// </summary>
public sealed class DeliveryLogRetention(DeliveryStore store, IOptions<DeliverySettings> settings,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider clock,
    ILogger<DeliveryLogRetention> logger) : BackgroundService
{
    private const int Batch = 5000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), clock);
        do
        {
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
