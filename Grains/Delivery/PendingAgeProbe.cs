using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>
/// The age of the oldest delivery still pending and how many are pending, in the whole service,
/// read every 15 s: the backlog gauges an alert watches (<c>es_delivery_oldest_pending_age_seconds</c>,
/// <c>es_delivery_backlog</c>). Every silo reports the same figures; take the max.
/// </summary>
public sealed class PendingAgeProbe : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(15);

    private readonly NpgsqlDataSource dataSource;
    private readonly IOptions<ClusterOptions> cluster;
    private readonly ILogger<PendingAgeProbe> logger;
    private double oldestSeconds;
    private long backlog;

    public PendingAgeProbe(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, IMeterFactory meters, ILogger<PendingAgeProbe> logger)
    {
        this.dataSource = dataSource;
        this.cluster = cluster;
        this.logger = logger;
        var meter = meters.Create(DeliveryMetrics.MeterName);
        meter.CreateObservableGauge("es.delivery.oldest_pending_age", () => Volatile.Read(ref oldestSeconds), "s",
            "Age of the oldest delivery not yet finished, in the whole service");
        meter.CreateObservableGauge("es.delivery.backlog", () => Interlocked.Read(ref backlog),
            description: "Deliveries not yet finished, in the whole service");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        do
        {
            try
            {
                await using var command = dataSource.CreateCommand("""
                    SELECT coalesce(extract(epoch FROM now() - min(created_on)), 0)::float8, count(*)
                    FROM delivery_outbox WHERE service_id = $1 AND state = 'PENDING'
                    """);
                command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
                await using var reader = await command.ExecuteReaderAsync(stoppingToken);
                await reader.ReadAsync(stoppingToken);
                Volatile.Write(ref oldestSeconds, reader.GetDouble(0));
                Interlocked.Exchange(ref backlog, reader.GetInt64(1));
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogDebug(e, "The pending deliveries could not be measured");
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
