namespace EventsSubscriptions.Grains.Tests.Hosting;

[Trait("Category", "Integration")]
[Collection(SharedClusterCollection.Name)]
public sealed class ReminderTests(SharedClusterFixture fixture)
{
    [Fact]
    public async Task A_reminder_registered_through_the_postgres_table_fires()
    {
        var id = Guid.NewGuid();
        var grain = fixture.Cluster.Client.GetGrain<IProbeReminderGrain>(id);

        await grain.StartAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await fixture.Database.ScalarAsync<int>(
            $"SELECT count(*) FROM orleans_reminder WHERE grainid LIKE '%{id:N}%' AND remindername = 'probe'"));

        await Eventually.HoldsAsync(() => ProbeReminderGrain.Ticks.ContainsKey(id), TimeSpan.FromSeconds(60), "the reminder never fired");

        await grain.StopAsync();
        Assert.Equal(0, await fixture.Database.ScalarAsync<int>(
            $"SELECT count(*) FROM orleans_reminder WHERE grainid LIKE '%{id:N}%'"));
    }
}
