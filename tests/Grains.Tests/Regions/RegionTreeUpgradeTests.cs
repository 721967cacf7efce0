using EventsSubscriptions.Grains.Compatibility;
using EventsSubscriptions.Grains.Regions;
using Orleans.Storage;

namespace EventsSubscriptions.Grains.Tests.Regions;

/// <summary>
/// The upgrade to one row per region (migration 0019): the regions the previous version kept in
/// grain states, binary or in the first version's JSON, are copied into the table by the tree's
/// first activation, once, and their states removed.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RegionTreeUpgradeTests : IAsyncLifetime
{
    private TestDatabase database = null!;
    private SiloCluster cluster = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        cluster = await SiloCluster.StartAsync(database, silos: 1);
    }

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task Regions_kept_in_grain_states_by_the_previous_version_are_copied_once_and_their_states_removed()
    {
        // What the previous version wrote: a root, a child, a grandchild kept as JSON by the first
        // version, and a region that was removed.
        var serializer = cluster.Silos[0].Services.GetRequiredService<IGrainStorageSerializer>();
        byte[] Binary(bool exists, long? parent, long[] path) =>
            serializer.Serialize(new LegacyRegionNodeState { Exists = exists, Parent = parent, Path = path }).ToArray();
        await InsertLegacyAsync(10, Binary(true, null, [10]));
        await InsertLegacyAsync(11, Binary(true, 10, [11, 10]));
        await InsertLegacyAsync(12, System.Text.Encoding.UTF8.GetBytes("""{"Exists": true, "Parent": 11, "Children": [], "Path": [12, 11, 10]}"""));
        await InsertLegacyAsync(13, Binary(false, null, []));
        // What concurrent moves could leave behind: a cycle, a parent that is gone; and a state that cannot be read.
        await InsertLegacyAsync(20, Binary(true, 21, [20, 21]));
        await InsertLegacyAsync(21, Binary(true, 20, [21, 20]));
        await InsertLegacyAsync(30, Binary(true, 99, [30, 99]));
        await InsertLegacyAsync(40, [GrainStateSerializerMark, 0xFF, 0xFE]);

        // The first question about a region, before anything touched the tree, finds it.
        Assert.True(await cluster.Client.GetGrain<IRegionNodeGrain>(11, "default").ExistsAsync());
        var tree = cluster.Client.GetGrain<IRegionTreeGrain>("default");
        Assert.Equal(new long[] { 12, 11, 10 }, (await tree.DescribeAsync(12, 10))!.Path);
        Assert.Null(await tree.DescribeAsync(13, 10));
        Assert.Null(await tree.DescribeAsync(40, 10));
        Assert.Equal(new long[] { 30 }, (await tree.DescribeAsync(30, 10))!.Path);
        // The cycle is broken at one of its regions, which becomes a root; the tree answers.
        var cycle = new[] { (await tree.DescribeAsync(20, 10))!.Path, (await tree.DescribeAsync(21, 10))!.Path };
        Assert.Equal(3, cycle.Sum(p => p.Length));
        Assert.Null(await tree.PlaceAsync(20, 30));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM orleans_grain_state WHERE graintypestring = 'region-node'"));
        Assert.Equal(6, await database.ScalarAsync<int>($"SELECT regions FROM region_tree_import WHERE service_id = '{cluster.ServiceId}'"));

        // The tree goes on from there: a move, and a state written again by an old silo is not copied twice.
        Assert.Null(await tree.PlaceAsync(12, 10));
        await InsertLegacyAsync(14, Binary(true, null, [14]));
        var store = cluster.Silos[0].Services.GetRequiredService<RegionTreeStore>();
        Assert.Equal(0, await store.ImportLegacyAsync());
        Assert.Equal(new long[] { 12, 10 }, (await tree.DescribeAsync(12, 10))!.Path);
        Assert.Equal(6L, await database.ScalarAsync<long>($"SELECT count(*) FROM region_tree WHERE service_id = '{cluster.ServiceId}'"));
    }

    private const byte GrainStateSerializerMark = EventsSubscriptions.Grains.Persistence.GrainStateSerializer.BinaryMark;

    private async Task InsertLegacyAsync(long id, byte[] payload)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            INSERT INTO orleans_grain_state (serviceid, graintypestring, graintypehash, grainidhash, grainidn0, grainidn1,
                                             grainidextensionstring, payloadbinary, version)
            VALUES ($1, 'region-node', 0, 0, 0, $2, NULL, $3, 1)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = payload });
        await command.ExecuteNonQueryAsync();
    }
}
