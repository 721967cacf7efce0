using System.Text.Json;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Text;
using NpgsqlTypes;
using Orleans.Configuration;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>
/// The <c>routing_dead_letter</c> table: events a subscription could not queue while the other
/// subscriptions of the event did. Written by routers, requeued by the subscription's grain.
/// </summary>
public sealed class RoutingDeadLetters(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, Delivery.DeliveryMetrics metrics)
{
    public async Task AddAsync(IReadOnlyCollection<long> subscriptionIds, EntityEvent entityEvent, string error, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO routing_dead_letter (service_id, subscription_id, event_id, event, error)
            SELECT $1, s, $3, $4, $5 FROM unnest($2::bigint[]) AS s
            ON CONFLICT (service_id, subscription_id, event_id) DO UPDATE SET error = EXCLUDED.error
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = entityEvent.EventId });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(entityEvent) });
        command.Parameters.Add(new NpgsqlParameter { Value = StorableText.Clean(error) });
        await command.ExecuteNonQueryAsync(cancellationToken);
        metrics.SetApart(subscriptionIds.Count);
    }

    /// <summary>The routing dead letters of one subscription, oldest first.</summary>
    public async Task<List<EntityEvent>> ReadAsync(long subscriptionId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT event FROM routing_dead_letter WHERE service_id = $1 AND subscription_id = $2 ORDER BY created_on, event_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
        var events = new List<EntityEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(JsonSerializer.Deserialize<EntityEvent>(reader.GetString(0))!);
        }
        return events;
    }

    public async Task RemoveAsync(long subscriptionId, string eventId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM routing_dead_letter WHERE service_id = $1 AND subscription_id = $2 AND event_id = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
