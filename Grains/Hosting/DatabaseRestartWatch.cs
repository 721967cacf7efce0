using Microsoft.Extensions.Hosting;

namespace EventsSubscriptions.Grains.Hosting;

/// <summary>
/// Empties this process's connection pools as soon as PostgreSQL has restarted, whether or not a
/// call has failed here yet: every idle pooled connection died with the old server, and without
/// this each would fail one call (a 503) the first time it is taken from the pool. The server's
/// start time is read every <see cref="Interval"/>; a new one means a restart.
/// </summary>
public sealed class DatabaseRestartWatch(NpgsqlDataSource dataSource, ILogger<DatabaseRestartWatch> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private DateTime? startedOn;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                await CheckAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        DateTime now;
        try
        {
            await using var command = dataSource.CreateCommand("SELECT pg_postmaster_start_time()");
            now = (DateTime)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // Down, or this very connection was a stale one: the next tick asks again.
            dataSource.Clear();
            return;
        }
        if (startedOn is { } before && before != now)
        {
            logger.DatabaseRestarted(now);
            NpgsqlConnection.ClearAllPools();
            dataSource.Clear();
        }
        startedOn = now;
    }
}
