using EventsSubscriptions.Grains.Interfaces.Regions;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace EventsSubscriptions.Grains.Tests.Regions;

/// <summary>An in-process cluster (Orleans' TestingHost) with memory storage, for one silo's grains alone.</summary>
public sealed class InProcessClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddMemoryGrainStorageAsDefault());
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>The region tree's rules, on grains alone: paths follow moves, cycles are refused, concurrent moves cannot deadlock.</summary>
[Trait("Category", "Unit")]
public sealed class RegionTreeTests(InProcessClusterFixture fixture) : IClassFixture<InProcessClusterFixture>
{
    private IRegionTreeGrain Tree => fixture.Cluster.Client.GetGrain<IRegionTreeGrain>(0);

    private IRegionNodeGrain Node(long id) => fixture.Cluster.Client.GetGrain<IRegionNodeGrain>(id);

    [Fact]
    public async Task A_move_carries_the_whole_subtree_and_its_paths()
    {
        var root = NewIds(4);
        Assert.Null(await Tree.PlaceAsync(root, null));
        Assert.Null(await Tree.PlaceAsync(root + 1, root));
        Assert.Null(await Tree.PlaceAsync(root + 2, root + 1));
        Assert.Null(await Tree.PlaceAsync(root + 3, null));

        Assert.Null(await Tree.PlaceAsync(root + 1, root + 3));

        Assert.Equal([root + 2, root + 1, root + 3], (await Node(root + 2).GetPathAsync())!);
        Assert.Empty((await Node(root).GetState()).Children);
        Assert.Equal([root + 1], (await Node(root + 3).GetState()).Children);
    }

    [Fact]
    public async Task A_move_under_its_own_subtree_is_refused_and_so_is_removing_a_parent()
    {
        var root = NewIds(3);
        await Tree.PlaceAsync(root, null);
        await Tree.PlaceAsync(root + 1, root);
        await Tree.PlaceAsync(root + 2, root + 1);

        Assert.Contains("cycle", await Tree.PlaceAsync(root, root + 2));
        Assert.Contains("own parent", await Tree.PlaceAsync(root, root));
        Assert.Contains("child regions", await Tree.RemoveAsync(root + 1));
        Assert.Equal([root + 2, root + 1, root], (await Node(root + 2).GetPathAsync())!);
    }

    [Fact]
    public async Task Regions_moved_under_each_other_at_once_never_deadlock_and_never_make_a_cycle()
    {
        for (var round = 0; round < 10; round++)
        {
            var a = NewIds(2);
            var b = a + 1;
            await Tree.PlaceAsync(a, null);
            await Tree.PlaceAsync(b, null);

            var results = await Task.WhenAll(Tree.PlaceAsync(a, b), Tree.PlaceAsync(b, a)).WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Single(results, r => r is null);
            Assert.Single(results, r => r?.Contains("cycle") == true);
            var pathA = (await Node(a).GetPathAsync())!;
            var pathB = (await Node(b).GetPathAsync())!;
            Assert.True(pathA.Length + pathB.Length == 3, $"paths {string.Join('<', pathA)} and {string.Join('<', pathB)}");
        }
    }

    private static long NewIds(int count) => Random.Shared.NextInt64(1_000_000, long.MaxValue / 2 - count);
}
