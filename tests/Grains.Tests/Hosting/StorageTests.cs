namespace EventsSubscriptions.Grains.Tests.Hosting;

[Trait("Category", "Integration")]
public sealed class StorageTests
{
    [Fact]
    public async Task Grain_state_is_read_back_after_every_silo_stopped_and_the_cluster_started_again()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = await SiloCluster.StartAsync(database, silos: 2);
        var keys = Enumerable.Range(0, 12).Select(i => $"probe/{i}").ToList();
        foreach (var key in keys)
        {
            var grain = cluster.Client.GetGrain<IProbeStateGrain>(key);
            await grain.SetAsync($"first {key}");
            await grain.SetAsync($"value of {key} — ünïcödé");
        }

        await cluster.StopAllAsync();
        Assert.Equal(12, await database.ScalarAsync<int>(
            "SELECT count(*) FROM orleans_grain_state WHERE graintypestring = 'tests-probe-state' AND payloadbinary IS NOT NULL"));
        await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();
        await cluster.StartClientAsync();

        foreach (var key in keys)
        {
            var state = await cluster.Client.GetGrain<IProbeStateGrain>(key).GetAsync();
            Assert.Equal($"value of {key} — ünïcödé", state.Value);
            Assert.Equal(2, state.Writes);
        }
    }

    [Fact]
    public async Task Writes_after_a_restart_keep_going_from_the_stored_version()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = await SiloCluster.StartAsync(database, silos: 1);
        await cluster.Client.GetGrain<IProbeStateGrain>("versioned").SetAsync("one");

        await cluster.StopAllAsync();
        await cluster.StartSiloAsync();
        await cluster.StartClientAsync();
        var grain = cluster.Client.GetGrain<IProbeStateGrain>("versioned");
        await grain.SetAsync("two");
        await grain.SetAsync("three");

        Assert.Equal("three", (await grain.GetAsync()).Value);
        Assert.Equal(3, await database.ScalarAsync<int>(
            "SELECT version FROM orleans_grain_state WHERE graintypestring = 'tests-probe-state'"));
    }
}
