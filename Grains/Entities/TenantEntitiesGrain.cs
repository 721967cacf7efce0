using EventsSubscriptions.Grains.Interfaces.Entities;
using NpgsqlTypes;
using Orleans.Configuration;

namespace EventsSubscriptions.Grains.Entities;

/// <summary>
/// Counts a tenant's entities (rows of <c>entity_state</c> with a snapshot) by the
/// <c>entity_tenant</c> index, again once the count is <see cref="ITenantEntitiesGrain.RecountSeconds"/>
/// old; in between, each place reserved adds one. A reservation whose create then fails, or that was
/// an update (a PUT), is forgotten at the next count; deletes are seen there too.
/// </summary>
public sealed class TenantEntitiesGrain(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster)
    : Grain, ITenantEntitiesGrain
{
    private long counted;
    private long reserved;
    private long? countedAt;

    public async Task<bool> ReserveAsync(long limit)
    {
        if (countedAt is not { } at || Environment.TickCount64 - at >= ITenantEntitiesGrain.RecountSeconds * 1000L)
        {
            counted = await CountAsync();
            reserved = 0;
            countedAt = Environment.TickCount64;
        }
        if (counted + reserved >= limit)
        {
            return false;
        }
        reserved++;
        return true;
    }

    private async Task<long> CountAsync()
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*) FROM entity_state WHERE service_id = $1 AND entity_tenant(resource) = $2 AND snapshot IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = this.GetPrimaryKeyString(), NpgsqlDbType = NpgsqlDbType.Text });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
