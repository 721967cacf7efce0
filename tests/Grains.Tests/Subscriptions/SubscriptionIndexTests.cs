namespace EventsSubscriptions.Grains.Tests.Subscriptions;

[Trait("Category", "Integration")]
[Collection(SharedClusterCollection.Name)]
public sealed class SubscriptionIndexTests(SharedClusterFixture fixture)
{
    private IClusterClient Grains => fixture.Cluster.Client;

    [Fact]
    public async Task The_index_of_a_resource_follows_creates_changes_and_archives_with_a_rising_version()
    {
        var resource = $"things{Guid.NewGuid():N}"[..20];
        var index = Grains.GetGrain<ISubscriptionIndexGrain>(resource);
        var empty = await index.GetAsync(0);
        Assert.Empty(empty!.Routes);

        var id = await Grains.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync();
        var grain = Grains.GetGrain<ISubscriptionGrain>(id);
        var created = await grain.CreateAsync(Spec(resource, "created", "updated"), new SecretText("0123456789abcdef"), null);
        Assert.Equal(SubscriptionOutcome.Ok, created.Outcome);

        var first = await index.GetAsync(empty.Version);
        var route = Assert.Single(first!.Routes);
        Assert.Equal(id, route.SubscriptionId);
        Assert.Equal(["created", "updated"], route.Triggers);
        Assert.Equal(SubscriptionStatus.Active, route.Status);
        Assert.Null(await index.GetAsync(first.Version));

        await grain.SuspendAsync("pause");
        var second = await index.GetAsync(first.Version);
        Assert.True(second!.Version > first.Version);
        Assert.Equal(SubscriptionStatus.Suspended, Assert.Single(second.Routes).Status);

        var other = $"others{Guid.NewGuid():N}"[..20];
        await grain.UpdateAsync(Spec(other, "deleted"), secret: null, headers: null, expectedVersion: null);
        Assert.Empty((await index.GetAsync(second.Version))!.Routes);
        Assert.Equal(["deleted"], Assert.Single((await Grains.GetGrain<ISubscriptionIndexGrain>(other).GetAsync(0))!.Routes).Triggers);

        await grain.ArchiveAsync("done");
        Assert.Empty((await Grains.GetGrain<ISubscriptionIndexGrain>(other).GetAsync(0))!.Routes);
    }

    [Fact]
    public async Task A_router_that_knows_a_version_gets_the_routes_changed_since_and_the_whole_index_otherwise()
    {
        var resource = $"delta{Guid.NewGuid():N}"[..20];
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var id = await Grains.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync();
            Assert.Equal(SubscriptionOutcome.Ok, (await Grains.GetGrain<ISubscriptionGrain>(id).CreateAsync(Spec(resource, "created"), new SecretText("0123456789abcdef"), null)).Outcome);
            ids.Add(id);
        }
        var index = Grains.GetGrain<ISubscriptionIndexGrain>(resource);
        var whole = (await index.GetChangesAsync(0))!;
        Assert.Equal(ids, whole.Whole!.Routes.Select(r => r.SubscriptionId));
        Assert.Null(await index.GetChangesAsync(whole.Version));

        await Grains.GetGrain<ISubscriptionGrain>(ids[0]).SuspendAsync("pause");
        await Grains.GetGrain<ISubscriptionGrain>(ids[2]).ArchiveAsync("gone");

        var changes = (await index.GetChangesAsync(whole.Version))!;
        Assert.Null(changes.Whole);
        Assert.Equal((whole.Version, SubscriptionStatus.Suspended), (changes.FromVersion, Assert.Single(changes.Upserted).Status));
        Assert.Equal(ids[0], changes.Upserted[0].SubscriptionId);
        Assert.Equal([ids[2]], changes.Removed);
        // Applied to the table of the version it knew, it is the index now.
        var table = new EventsSubscriptions.Grains.Routing.RouteTable(whole.Whole).Apply(changes);
        Assert.Equal([ids[0], ids[1]], table.ByTrigger["created"].All.Select(r => r.SubscriptionId));
        // A version the index never had (another activation's): the whole index.
        Assert.NotNull((await index.GetChangesAsync(whole.Version - 1_000_000))!.Whole);
    }

    [Fact]
    public async Task A_new_activation_of_the_index_is_loaded_from_the_read_model_with_a_new_version()
    {
        var resource = $"reload{Guid.NewGuid():N}"[..20];
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var id = await Grains.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync();
            await Grains.GetGrain<ISubscriptionGrain>(id).CreateAsync(Spec(resource, "created"), new SecretText("0123456789abcdef"), null);
            ids.Add(id);
        }
        await Grains.GetGrain<ISubscriptionGrain>(ids[1]).SuspendAsync("pause");
        await Grains.GetGrain<ISubscriptionGrain>(ids[2]).ArchiveAsync("gone");
        var index = Grains.GetGrain<ISubscriptionIndexGrain>(resource);
        var before = (await index.GetAsync(0))!;

        await DeactivateAsync(index);
        var after = (await index.GetAsync(before.Version))!;

        Assert.NotEqual(before.Version, after.Version);
        Assert.Equal([(ids[0], SubscriptionStatus.Active), (ids[1], SubscriptionStatus.Suspended)],
            after.Routes.Select(r => (r.SubscriptionId, r.Status)));
        Assert.Equal(before.Routes.Select(r => (r.SubscriptionId, r.Status, string.Join(',', r.Triggers))),
            after.Routes.Select(r => (r.SubscriptionId, r.Status, string.Join(',', r.Triggers))));
    }

    [Fact]
    public async Task A_change_that_reactivates_the_index_still_reaches_the_routers()
    {
        var resource = $"announce{Guid.NewGuid():N}"[..20];
        var id = await Grains.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync();
        var subscription = Grains.GetGrain<ISubscriptionGrain>(id);
        var spec = Spec(resource, "created");
        await subscription.CreateAsync(spec, new SecretText("0123456789abcdef"), null);
        var entity = Grains.GetGrain<EventsSubscriptions.Grains.Interfaces.Entities.IEntityGrain>($"{resource}/1");
        await entity.CreateAsync("""{"name": "one"}""");
        await Eventually.HoldsAsync(async () => await QueuedAsync(id) == 1, TimeSpan.FromSeconds(30), "the created event was never queued");

        // The index goes idle; the change reactivates it, and the new activation loads the change
        // from the read model before the change itself arrives.
        var index = Grains.GetGrain<ISubscriptionIndexGrain>(resource);
        await DeactivateAsync(index);
        await subscription.UpdateAsync(spec with { Events = [$"entity:{resource}:updated"] }, secret: null, headers: null, expectedVersion: null);
        await entity.PutAsync("""{"name": "two"}""");

        await Eventually.HoldsAsync(async () => await QueuedAsync(id) == 2, TimeSpan.FromSeconds(30),
            "the router still matched with the index of before the change");
    }

    /// <summary>Deactivates the grain and waits until the directory no longer knows an activation of it.</summary>
    private async Task DeactivateAsync(ISubscriptionIndexGrain index)
    {
        var management = Grains.GetGrain<Orleans.Runtime.IManagementGrain>(0);
        await management.DeactivateGrain(index.GetGrainId());
        await Eventually.HoldsAsync(async () => await management.GetGrainActivationCount((Orleans.Runtime.GrainReference)index) == 0, TimeSpan.FromSeconds(30),
            "the index grain was never deactivated");
    }

    private async Task<long> QueuedAsync(long subscriptionId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM delivery_outbox WHERE subscription_id = $1", connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = subscriptionId });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_stale_version_is_refused_and_nothing_changes()
    {
        var id = await Grains.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync();
        var grain = Grains.GetGrain<ISubscriptionGrain>(id);
        var created = (await grain.CreateAsync(Spec("employees", "created"), new SecretText("0123456789abcdef"), null)).View!;
        await grain.UpdateAsync(Spec("employees", "updated"), null, null, created.Version);

        var stale = await grain.UpdateAsync(Spec("employees", "deleted"), null, null, created.Version);

        Assert.Equal(SubscriptionOutcome.VersionMismatch, stale.Outcome);
        Assert.Equal(["entity:employees:updated"], (await grain.GetAsync())!.Spec.Events);
    }

    private static SubscriptionSpec Spec(string resource, params string[] triggers) =>
        TestSpecs.Subscription(resource, "http://127.0.0.1:9/x", triggers);
}
