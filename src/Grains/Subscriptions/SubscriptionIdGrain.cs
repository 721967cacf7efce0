using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using Npgsql;
using Orleans.Concurrency;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>Ids come from a PostgreSQL sequence: unique across silos and restarts, never reused.</summary>
[StatelessWorker]
public sealed class SubscriptionIdGrain(NpgsqlDataSource dataSource) : Grain, ISubscriptionIdGrain
{
    public async Task<long> NextAsync()
    {
        await using var command = dataSource.CreateCommand("SELECT nextval('subscription_id')");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
