using EventsSubscriptions.Grains.Interfaces.Entities;
using Npgsql;
using Orleans.Concurrency;

namespace EventsSubscriptions.Grains.Entities;

[StatelessWorker]
public sealed class EntityIdGrain(NpgsqlDataSource dataSource) : Grain, IEntityIdGrain
{
    public async Task<long> NextAsync()
    {
        await using var command = dataSource.CreateCommand("SELECT nextval('entity_id')");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
