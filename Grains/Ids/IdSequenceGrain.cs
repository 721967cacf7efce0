using EventsSubscriptions.Grains.Interfaces.Ids;
using Orleans.Concurrency;

namespace EventsSubscriptions.Grains.Ids;

[StatelessWorker]
public sealed class IdSequenceGrain(NpgsqlDataSource dataSource) : Grain, IIdSequenceGrain
{
    private string Sequence => this.GetPrimaryKeyString() switch
    {
        IdSequences.Subscriptions or IdSequences.Entities => this.GetPrimaryKeyString(),
        var other => throw new ArgumentException($"There is no id sequence '{other}'."),
    };

    public async Task<long> NextAsync()
    {
        await using var command = dataSource.CreateCommand("SELECT nextval($1::regclass)");
        command.Parameters.Add(new NpgsqlParameter { Value = Sequence });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
