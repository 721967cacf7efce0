using EventsSubscriptions.Grains.Interfaces.Text;
using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using NpgsqlTypes;
using Orleans.Configuration;
using EventsSubscriptions.Grains.Hosting;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>
/// Keeps the listing's copy of each subscription's health in step with its grain, so that the
/// list, its <c>health.state</c> filter and <c>GET /{id}</c> tell the same health. Grains hand
/// over their health after every attempt; the silo writes the latest of each subscription every
/// <see cref="FlushInterval"/>, all in one statement: a subscription costs at most a few row
/// writes a second however fast it delivers. The copy is a projection: the grain's own state is
/// the truth, and a copy lost in a crash is written again by the next attempt.
/// </summary>
public sealed class HealthProjection(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, ILogger<HealthProjection> logger)
    : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(250);

    private ConcurrentDictionary<long, SubscriptionHealth> dirty = new();

    public void Write(long subscriptionId, SubscriptionHealth health) => dirty[subscriptionId] = health;

    /// <summary>
    /// Writes one subscription's health now, not at the next flush: the repair on activation uses it,
    /// so that the listing already tells the repaired health when the grain first answers.
    /// </summary>
    public Task WriteNowAsync(long subscriptionId, SubscriptionHealth health, CancellationToken cancellationToken = default)
    {
        dirty.TryRemove(subscriptionId, out _);
        return WriteAsync(new Dictionary<long, SubscriptionHealth> { [subscriptionId] = health }, cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await FlushAsync(CancellationToken.None);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (dirty.IsEmpty)
        {
            return;
        }
        var batch = Interlocked.Exchange(ref dirty, new ConcurrentDictionary<long, SubscriptionHealth>());
        try
        {
            await WriteAsync(batch, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.HealthNotProjected(e, batch.Count);
            foreach (var (id, health) in batch)
            {
                // A newer health handed over meanwhile wins.
                dirty.TryAdd(id, health);
            }
        }
    }

    private async Task WriteAsync(IReadOnlyDictionary<long, SubscriptionHealth> latest, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE subscription_list l SET health_state = r.state, view = jsonb_set(l.view, '{health}', r.health)
            FROM unnest($2::bigint[], $3::text[], $4::jsonb[]) AS r(id, state, health)
            WHERE l.service_id = $1 AND l.id = r.id
            """);
        var entries = latest.ToArray();
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.Key).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = entries.Select(e => WireText.Of(e.Value.State)).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
        });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = entries.Select(e => ReadModelJson.Storable(e.Value)).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
        });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
