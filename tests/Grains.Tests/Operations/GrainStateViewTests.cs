using EventsSubscriptions.Grains.Interfaces.Routing;

namespace EventsSubscriptions.Grains.Tests.Operations;

/// <summary>
/// The Orleans Dashboard shows a grain's state by calling its GetState and serializing the answer
/// with System.Text.Json: each grain of the service answers with what an operator needs, never a secret.
/// </summary>
[Trait("Category", "Integration")]
[Collection(SharedClusterCollection.Name)]
public sealed class GrainStateViewTests(SharedClusterFixture fixture)
{
    private IClusterClient Client => fixture.Cluster.Client;

    [Fact]
    public async Task A_subscription_shows_its_configuration_and_sender_but_not_its_secret()
    {
        const string Secret = "dashboard-must-never-show-this-0123";
        var resource = $"view{Guid.NewGuid():N}"[..20];
        var id = await Client.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync();
        var grain = Client.GetGrain<ISubscriptionGrain>(id);
        Assert.Equal(SubscriptionOutcome.Ok,
            (await grain.CreateAsync(TestSpecs.Subscription(resource, "http://127.0.0.1:9/view"), new SecretText(Secret), null)).Outcome);

        var state = await grain.GetState();
        var json = JsonSerializer.Serialize(state);

        Assert.Equal(id, state.Subscription!.Id);
        Assert.Equal((SubscriptionStatus.Active, HealthState.Unknown, 0), (state.Subscription.Status, state.Subscription.Health.State, state.QueuedInMemory));
        Assert.Contains("127.0.0.1:9/view", json);
        Assert.DoesNotContain(Secret, json);
        Assert.DoesNotContain("EncryptedSecret", json);
        var index = await Client.GetGrain<ISubscriptionIndexGrain>(resource).GetState();
        Assert.Contains(index!.Routes, r => r.SubscriptionId == id);
    }

    [Fact]
    public async Task An_entity_a_region_and_a_router_show_what_they_hold()
    {
        var resource = $"view{Guid.NewGuid():N}"[..20];
        var entity = Client.GetGrain<IEntityGrain>($"{resource}/5");
        await entity.PutAsync("""{"id": 5, "name": "Ann"}""");
        await entity.PutAsync("""{"id": 5, "name": "Bob"}""");

        var entityState = await entity.GetState();
        Assert.Equal(2, entityState.Sequence);
        Assert.Contains("Bob", entityState.Snapshot);

        var root = Random.Shared.NextInt64(1_000_000, 2_000_000_000);
        await Client.GetGrain<IEntityGrain>($"regions/{root}").PutAsync($$"""{"id": {{root}}, "name": "root"}""");
        await Client.GetGrain<IEntityGrain>($"regions/{root + 1}").PutAsync($$"""{"id": {{root + 1}}, "name": "child", "parentRegion": {{root}}}""");
        var region = await Client.GetGrain<IRegionNodeGrain>(root + 1, "default").GetState();
        Assert.Equal((true, (long?)root), (region.Exists, region.Parent));
        Assert.Equal([root + 1, root], region.Path);
        Assert.Equal([root + 1], (await Client.GetGrain<IRegionNodeGrain>(root, "default").GetState()).Children);

        var router = await Client.GetGrain<IEventRouterGrain>($"{resource}/0").GetState();
        Assert.Equal($"{resource}/0", router.StreamKey);
    }
}
