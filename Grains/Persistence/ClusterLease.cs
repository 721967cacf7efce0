using System.Diagnostics.Metrics;
using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Hosting;
using Orleans.Configuration;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>
/// Which silo runs the jobs that need running once per cluster (the retention purge, the backlog
/// gauges): the one whose connection holds a PostgreSQL session advisory lock named after the
/// service. The lock lives and dies with that connection: a silo that stops gives it back, and one
/// that crashes or loses PostgreSQL loses it with its session; another silo takes it at its next
/// try (each job tries on its own period). A holder checks its connection at each try and lets go
/// of a broken one.
/// </summary>
public sealed class ClusterLease : IAsyncDisposable
{
    private readonly NpgsqlDataSource dataSource;
    private readonly string key;
    private readonly ILogger<ClusterLease> logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    private NpgsqlConnection? held;

    public ClusterLease(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, IMeterFactory meters, ILogger<ClusterLease> logger)
    {
        this.dataSource = dataSource;
        this.logger = logger;
        key = $"events-subscriptions/{cluster.Value.ServiceId}/cluster-jobs";
        meters.Create(DeliveryMetrics.MeterName).CreateObservableGauge("es.cluster.jobs", () => Held ? 1 : 0,
            description: "1 on the silo that runs the once-per-cluster jobs (retention, backlog gauges), 0 on the others");
    }

    /// <summary>Whether this silo held the lease at its last try.</summary>
    public bool Held => Volatile.Read(ref held) is not null;

    /// <summary>True when this silo holds the lease (taking it if it is free); false when another silo does, or PostgreSQL cannot be reached.</summary>
    public async Task<bool> HoldAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (held is { } connection)
            {
                try
                {
                    await using var check = new NpgsqlCommand("SELECT 1", connection);
                    await check.ExecuteScalarAsync(cancellationToken);
                    return true;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Its session is gone, and the lock with it: another silo may hold it by now.
                    logger.LeaseLost(e);
                    await DropAsync(unlock: false);
                }
            }
            return await TakeAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LeaseNotTaken(e);
            return false;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<bool> TakeAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", connection);
            take.Parameters.Add(new NpgsqlParameter { Value = key });
            if (await take.ExecuteScalarAsync(cancellationToken) is true)
            {
                Volatile.Write(ref held, connection);
                logger.LeaseTaken();
                return true;
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return false;
    }

    private async Task DropAsync(bool unlock)
    {
        if (Interlocked.Exchange(ref held, null) is not { } connection)
        {
            return;
        }
        try
        {
            if (unlock)
            {
                // The connection goes back to the pool: the lock must not stay with it there.
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended($1, 0))", connection);
                release.Parameters.Add(new NpgsqlParameter { Value = key });
                await release.ExecuteScalarAsync();
            }
        }
        catch (Exception e)
        {
            logger.LeaseLost(e);
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync();
        try
        {
            await DropAsync(unlock: true);
        }
        finally
        {
            gate.Release();
        }
    }
}
