using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Persistence;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// After a key rotation (a new <c>Secrets__EncryptionKey</c>, the old one in
/// <c>Secrets__PreviousKeys</c>), rewrites every subscription's stored secrets under the new key:
/// a pass over the subscriptions in id order, a page at a time, each asked to re-encrypt what is
/// not under the current key (<see cref="ISubscriptionGrain.RekeyAsync"/>). Where it stands is kept
/// in <c>secret_rekeying</c>, so a pass goes on where it stopped and is made once per key. Runs on
/// the silo that holds the <see cref="ClusterLease"/>; a pass that met a failure starts over within the hour.
/// </summary>
public sealed class SecretRekeying(
    NpgsqlDataSource dataSource,
    IOptions<ClusterOptions> cluster,
    SecretProtector secrets,
    ClusterLease lease,
    IGrainFactory grains,
    IHostApplicationLifetime lifetime,
    ILogger<SecretRekeying> logger) : BackgroundService
{
    private const int Page = 500;
    private const int Concurrency = 8;
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromHours(1);

    private string ServiceId => cluster.Value.ServiceId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Grains answer once the silo has started.
        await Task.Delay(Timeout.Infinite, lifetime.ApplicationStarted).ContinueWith(_ => { }, TaskScheduler.Default);
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        DateTimeOffset? failedOn = null;
        do
        {
            if (failedOn is { } failed && DateTimeOffset.UtcNow - failed < RetryAfterFailure)
            {
                continue;
            }
            try
            {
                if (!await lease.HoldAsync(stoppingToken))
                {
                    continue;
                }
                failedOn = await PassAsync(stoppingToken) ? null : DateTimeOffset.UtcNow;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.RekeyingInterrupted(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Goes on with the pass of the current key, if it is not done; false when a subscription failed.</summary>
    private async Task<bool> PassAsync(CancellationToken cancellationToken)
    {
        var (afterId, rekeyed, done) = await ReadProgressAsync(cancellationToken);
        if (done)
        {
            return true;
        }
        var failures = 0;
        while (true)
        {
            var ids = await NextIdsAsync(afterId, cancellationToken);
            if (ids.Count == 0)
            {
                break;
            }
            foreach (var chunk in ids.Chunk(Concurrency))
            {
                var results = await Task.WhenAll(chunk.Select(async id =>
                {
                    try
                    {
                        return await grains.GetGrain<ISubscriptionGrain>(id).RekeyAsync() ? 1 : 0;
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        logger.RekeyFailed(e, id, secrets.KeyId);
                        return -1;
                    }
                }));
                rekeyed += results.Count(r => r == 1);
                failures += results.Count(r => r < 0);
            }
            afterId = ids[^1];
            await SaveProgressAsync(afterId, rekeyed, done: false, cancellationToken);
        }
        if (failures > 0)
        {
            // From the beginning next time: the ones that failed are among those passed.
            await SaveProgressAsync(0, rekeyed, done: false, cancellationToken);
            return false;
        }
        await SaveProgressAsync(afterId, rekeyed, done: true, cancellationToken);
        logger.RekeyingDone(secrets.KeyId, rekeyed);
        return true;
    }

    private async Task<(long AfterId, long Rekeyed, bool Done)> ReadProgressAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT key_id, after_id, rekeyed, done FROM secret_rekeying WHERE service_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        // Another key's progress (or none): this key's pass starts from the beginning.
        return await reader.ReadAsync(cancellationToken) && reader.GetString(0) == secrets.KeyId
            ? (reader.GetInt64(1), reader.GetInt64(2), reader.GetBoolean(3))
            : (0, 0, false);
    }

    private async Task SaveProgressAsync(long afterId, long rekeyed, bool done, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO secret_rekeying (service_id, key_id, after_id, done, rekeyed, updated_on) VALUES ($1, $2, $3, $4, $5, now())
            ON CONFLICT (service_id) DO UPDATE
                SET key_id = excluded.key_id, after_id = excluded.after_id, done = excluded.done, rekeyed = excluded.rekeyed, updated_on = now()
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = secrets.KeyId });
        command.Parameters.Add(new NpgsqlParameter { Value = afterId });
        command.Parameters.Add(new NpgsqlParameter { Value = done });
        command.Parameters.Add(new NpgsqlParameter { Value = rekeyed });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The next page of subscription ids, every status and tenant, from the read model's key.</summary>
    private async Task<List<long>> NextIdsAsync(long afterId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id FROM subscription_list WHERE service_id = $1 AND id > $2 ORDER BY id LIMIT $3");
        command.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = afterId });
        command.Parameters.Add(new NpgsqlParameter { Value = Page });
        var ids = new List<long>(Page);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetInt64(0));
        }
        return ids;
    }
}
