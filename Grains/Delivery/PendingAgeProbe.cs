using EventsSubscriptions.Grains.Persistence;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using EventsSubscriptions.Grains.Hosting;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>
/// The age of the oldest delivery still pending and how many are pending, in the whole service,
/// read every 15 s: the backlog gauges an alert watches (<c>es_delivery_oldest_pending_age_seconds</c>,
/// <c>es_delivery_backlog</c>); and the same for the events waiting on the stream's queue for their
/// routers (<c>es_stream_backlog</c>, <c>es_stream_oldest_age_seconds</c>), with the stream's dead
/// letters (<c>es_stream_dead_letters</c>). Only the silo that holds the <see cref="ClusterLease"/>
/// reads and reports them (the others report nothing); it moves within 15 s when that silo leaves.
/// </summary>
public sealed class PendingAgeProbe : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(15);

    private readonly NpgsqlDataSource dataSource;
    private readonly IOptions<ClusterOptions> cluster;
    private readonly ILogger<PendingAgeProbe> logger;
    private readonly ClusterLease lease;
    private volatile bool measured;
    private double oldestSeconds;
    private long backlog;
    private double streamOldestSeconds;
    private long streamBacklog;
    private long streamDeadLetters;

    public PendingAgeProbe(NpgsqlDataSource dataSource, ClusterLease lease, IOptions<ClusterOptions> cluster, IMeterFactory meters,
        ILogger<PendingAgeProbe> logger)
    {
        this.dataSource = dataSource;
        this.lease = lease;
        this.cluster = cluster;
        this.logger = logger;
        var meter = meters.Create(DeliveryMetrics.MeterName);
        meter.CreateObservableGauge("es.delivery.oldest_pending_age", () => Report(Volatile.Read(ref oldestSeconds)), "s",
            "Age of the oldest delivery not yet finished, in the whole service");
        meter.CreateObservableGauge("es.delivery.backlog", () => Report(Interlocked.Read(ref backlog)),
            description: "Deliveries not yet finished, in the whole service");
        meter.CreateObservableGauge("es.stream.oldest_age", () => Report(Volatile.Read(ref streamOldestSeconds)), "s",
            "Age of the oldest accepted event not yet routed, in the whole service");
        meter.CreateObservableGauge("es.stream.backlog", () => Report(Interlocked.Read(ref streamBacklog)),
            description: "Accepted events not yet routed, in the whole service");
        meter.CreateObservableGauge("es.stream.dead_letters", () => Report(Interlocked.Read(ref streamDeadLetters)),
            description: "Events moved to the stream's dead letters (event_queue_dead_letter), in the whole service");
    }

    /// <summary>A gauge's value on the lease's holder once it has measured; nothing on the other silos.</summary>
    private IEnumerable<Measurement<T>> Report<T>(T value) where T : struct =>
        measured && lease.Held ? [new Measurement<T>(value)] : [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        do
        {
            if (!await lease.HoldAsync(stoppingToken))
            {
                measured = false;
                continue;
            }
            try
            {
                await using var command = dataSource.CreateCommand($"""
                    SELECT coalesce(extract(epoch FROM now() - min(created_on)), 0)::float8, count(*)
                    FROM delivery_outbox WHERE service_id = $1 AND state = {DeliverySql.Pending}
                    """);
                command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
                await using var reader = await command.ExecuteReaderAsync(stoppingToken);
                await reader.ReadAsync(stoppingToken);
                Volatile.Write(ref oldestSeconds, reader.GetDouble(0));
                Interlocked.Exchange(ref backlog, reader.GetInt64(1));
                await reader.CloseAsync();
                await MeasureStreamAsync(stoppingToken);
                measured = true;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.BacklogNotMeasured(e);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private async Task MeasureStreamAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT coalesce(extract(epoch FROM now() - min(created_on)), 0)::float8, count(*),
                   (SELECT count(*) FROM event_queue_dead_letter d WHERE d.service_id = $1)
            FROM event_queue WHERE service_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        Volatile.Write(ref streamOldestSeconds, reader.GetDouble(0));
        Interlocked.Exchange(ref streamBacklog, reader.GetInt64(1));
        Interlocked.Exchange(ref streamDeadLetters, reader.GetInt64(2));
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
