using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>Purges delivery log rows older than the retention, hourly, in bounded batches (every silo may; it is idempotent).</summary>
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
                int deleted, total = 0;
                do
                {
                    deleted = await store.PurgeLogAsync(before, Batch, stoppingToken);
                    total += deleted;
                }
                while (deleted == Batch && !stoppingToken.IsCancellationRequested);
                if (total > 0)
                {
                    logger.LogInformation("Purged {Count} delivery log row(s) older than {Before:o}", total, before);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Delivery log purge failed: {Error}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
