namespace EventsSubscriptions.Grains.Tests.Regions;

/// <summary>
/// The region tree's rules on the real table: paths follow moves, cycles are refused even under
/// concurrent moves, a tree may be 10,000 levels deep or 100,000 wide and no deeper than the limit,
/// and a tree changed behind the grain's back (a second activation) is read again before deciding.
/// </summary>
[Trait("Category", "Integration")]
[Collection(SharedClusterCollection.Name)]
public sealed class RegionTreeTests(SharedClusterFixture fixture)
{
    private IRegionTreeGrain Tree => fixture.Cluster.Client.GetGrain<IRegionTreeGrain>("default");

    private async Task<long[]> PathAsync(long id) => (await fixture.Cluster.Client.GetGrain<IRegionNodeGrain>(id, "default").GetState()).Path;

    private Task<Interfaces.Operations.RegionNodeStateView> StateAsync(long id) => fixture.Cluster.Client.GetGrain<IRegionNodeGrain>(id, "default").GetState();

    [Fact]
    public async Task A_move_carries_the_whole_subtree_and_its_paths()
    {
        var root = NewIds(4);
        Assert.Null(await Tree.PlaceAsync(root, null));
        Assert.Null(await Tree.PlaceAsync(root + 1, root));
        Assert.Null(await Tree.PlaceAsync(root + 2, root + 1));
        Assert.Null(await Tree.PlaceAsync(root + 3, null));

        Assert.Null(await Tree.PlaceAsync(root + 1, root + 3));

        Assert.Equal([root + 2, root + 1, root + 3], await PathAsync(root + 2));
        Assert.Empty((await StateAsync(root)).Children);
        Assert.Equal([root + 1], (await StateAsync(root + 3)).Children);
        // One row per region, whatever moved: the move wrote the moved region's row alone.
        Assert.Equal([root + 1], await ColumnAsync($"""
            SELECT id FROM region_tree
            WHERE version > (SELECT version FROM region_tree WHERE id = {root + 3}) AND id BETWEEN {root} AND {root + 3}
            """));
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
        Assert.Contains("does not exist", await Tree.PlaceAsync(root, root + 99));
        Assert.Contains("child region", await Tree.RemoveAsync(root + 1));
        Assert.Equal([root + 2, root + 1, root], await PathAsync(root + 2));

        // A removed region is gone from the tree, and nothing can be placed under it.
        Assert.Null(await Tree.RemoveAsync(root + 2));
        Assert.False(await fixture.Cluster.Client.GetGrain<IRegionNodeGrain>(root + 2, "default").ExistsAsync());
        Assert.Contains("does not exist", await Tree.PlaceAsync(root + 3, root + 2));
        Assert.Null(await Tree.RemoveAsync(root + 1));

        // Made again, it exists again for the entities that name it.
        Assert.Null(await Tree.PlaceAsync(root + 2, root));
        Assert.True(await fixture.Cluster.Client.GetGrain<IRegionNodeGrain>(root + 2, "default").ExistsAsync());
        Assert.Equal([root + 2, root], await PathAsync(root + 2));
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
            var pathA = await PathAsync(a);
            var pathB = await PathAsync(b);
            Assert.True(pathA.Length + pathB.Length == 3, $"paths {string.Join('<', pathA)} and {string.Join('<', pathB)}");
        }
    }

    [Fact]
    public async Task A_chain_10000_deep_moves_at_once_and_the_limit_refuses_one_level_more()
    {
        // The chain is written behind the grain's back, as a second activation would: the grain
        // finds the tree changed at its next write and decides on the tree as it is.
        const int depth = 9_990;
        var top = NewIds(depth + 2);
        var other = top + depth;
        await SeedAsync($"SELECT {top} + n, CASE WHEN n = 0 THEN NULL ELSE {top} + n - 1 END FROM generate_series(0, {depth - 1}) AS n");
        var leaf = top + depth - 1;
        Assert.Null(await Tree.PlaceAsync(other, null));

        Assert.Null(await Tree.PlaceAsync(top, other));
        var path = await PathAsync(leaf);
        Assert.Equal(depth + 1, path.Length);
        Assert.Equal((leaf, other), (path[0], path[^1]));

        // 9,991 levels now; 10,000 is the limit: nine more fit under the leaf, not ten.
        Assert.Contains("cycle", await Tree.PlaceAsync(top, leaf));
        Assert.Contains("at most 10000", await DeepenAsync(leaf, 10));
    }

    [Fact]
    public async Task A_root_with_100000_children_takes_one_more_and_moves_whole()
    {
        const int width = 100_000;
        var root = NewIds(width + 3);
        await SeedAsync($"SELECT {root}, NULL UNION ALL SELECT {root} + n, {root} FROM generate_series(1, {width}) AS n");
        var other = root + width + 1;
        Assert.Null(await Tree.PlaceAsync(other, null));
        Assert.Null(await Tree.PlaceAsync(root + width + 2, root));

        Assert.Null(await Tree.PlaceAsync(root, other));
        var state = await StateAsync(root);
        Assert.Equal(width + 1, state.ChildCount);
        Assert.Equal(100, state.Children.Length);
        Assert.Equal([root + 77, root, other], await PathAsync(root + 77));
        Assert.Contains($"{width + 1} child region(s)", await Tree.RemoveAsync(root));

        var subtree = await Tree.SubtreeAsync(other, 500, 20);
        Assert.Equal(500, subtree.Length);
        Assert.Equal((other, (long?)null, 1), (subtree[0].Id, subtree[0].Parent, subtree[0].ChildCount));
        Assert.Equal((root, (long?)other, width + 1), (subtree[1].Id, subtree[1].Parent, subtree[1].ChildCount));
    }

    /// <summary>Places <paramref name="levels"/> new regions in a chain under <paramref name="under"/>: the first refusal, or null.</summary>
    private async Task<string?> DeepenAsync(long under, int levels)
    {
        var next = NewIds(levels);
        for (var i = 0; i < levels; i++, under = next++)
        {
            if (await Tree.PlaceAsync(next, under) is { } refused)
            {
                return i == levels - 1 ? refused : $"refused too early, at {i + 1}: {refused}";
            }
        }
        return null;
    }

    private Task SeedAsync(string rows) => fixture.Database.ExecuteAsync($"""
        INSERT INTO region_tree (service_id, id, parent_id, removed, version)
        SELECT '{fixture.Cluster.ServiceId}', r.id, r.parent_id, false, nextval('region_tree_change')
        FROM ({rows}) AS r(id, parent_id)
        """);

    private async Task<List<long>> ColumnAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        var values = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetInt64(0));
        }
        return values;
    }

    private static long NewIds(int count) => Random.Shared.NextInt64(1_000_000, long.MaxValue / 2 - count);
}
