using StackExchange.Redis;

namespace EventsSubscriptions.Grains.Tests.Hosting;

[Trait("Category", "Integration")]
[Collection(SharedClusterCollection.Name)]
public sealed class ClusterTests(SharedClusterFixture fixture)
{
    [Fact]
    public async Task Two_silos_join_one_cluster_through_redis_and_the_client_reaches_grains_on_both()
    {
        var cluster = fixture.Cluster;

        var hosts = await cluster.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);

        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis);
        var members = await redis.GetDatabase().HashGetAllAsync($"{cluster.ServiceId}/members/{cluster.ClusterId}");
        Assert.Equal(2, members.Count(m => m.Name.ToString().StartsWith('S')));

        // Placement is random among the silos the receiving silo knows to be active: a silo that
        // joined a moment ago may take a few calls to be chosen.
        var expected = hosts.Keys.Select(s => s.ToString()).ToHashSet();
        var seen = new HashSet<string>();
        var next = 0;
        await Eventually.HoldsAsync(async () =>
        {
            var batch = await Task.WhenAll(Enumerable.Range(next, 20)
                .Select(i => cluster.Client.GetGrain<IProbeStateGrain>($"placement/{i}").GetSiloAsync()));
            next += 20;
            seen.UnionWith(batch);
            return seen.SetEquals(expected);
        }, TimeSpan.FromSeconds(30), "grains were not placed on both silos");
    }
}
