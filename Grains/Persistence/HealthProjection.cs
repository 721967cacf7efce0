using System.Text.Json;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.Configuration;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>
/// Keeps the listing's copy of each subscription's health in step with its grain after every
/// attempt, batched across the grains of the silo (one statement per batch), so that the list,
/// its <c>health.state</c> filter and <c>GET /{id}</c> tell the same health.
/// </summary>
public sealed class HealthProjection(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, ILogger<HealthProjection> logger)
    : BatchingWriter<(long Id, SubscriptionHealth Health), bool>(logger)
{
    public Task WriteAsync(long subscriptionId, SubscriptionHealth health) => EnqueueAsync((subscriptionId, health));

    protected override async Task<IReadOnlyList<bool>> WriteAsync(IReadOnlyList<(long Id, SubscriptionHealth Health)> batch, CancellationToken cancellationToken)
    {
        // The last health of each subscription in the batch wins: an UPDATE joined to two rows of
        // the same key would apply either.
        var latest = new Dictionary<long, SubscriptionHealth>();
        foreach (var (id, health) in batch)
        {
            latest[id] = health;
        }
        await using var command = dataSource.CreateCommand("""
            UPDATE subscription_list l SET health_state = r.state, view = jsonb_set(l.view, '{health}', r.health)
            FROM unnest($2::bigint[], $3::text[], $4::jsonb[]) AS r(id, state, health)
            WHERE l.service_id = $1 AND l.id = r.id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = latest.Keys.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = latest.Values.Select(h => SubscriptionReadModel.HealthText(h.State)).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
        });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = latest.Values.Select(ReadModelJson.Storable).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
        });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return batch.Select(_ => true).ToList();
    }
}
