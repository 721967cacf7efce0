namespace EventsSubscriptions.Grains.Tests.Hosting;

/// <summary>References made from the types resolved once are the references Orleans makes, and they call the grain.</summary>
[Trait("Category", "Integration")]
[Collection(SharedClusterCollection.Name)]
public sealed class GrainReferencesTests(SharedClusterFixture fixture)
{
    [Fact]
    public async Task A_fast_reference_equals_orleans_own_and_reaches_the_grain()
    {
        var factory = fixture.Cluster.Client;
        Assert.Equal(factory.GetGrain<ISubscriptionGrain>(42), factory.GetGrainFast<ISubscriptionGrain>(42));
        Assert.Equal(factory.GetGrain<ISubscriptionGrain>(-7), factory.GetGrainFast<ISubscriptionGrain>(-7));
        Assert.Equal(factory.GetGrain<IEntityGrain>("employees/5"), factory.GetGrainFast<IEntityGrain>("employees/5"));
        Assert.NotEqual(factory.GetGrain<IRegionNodeGrain>(42, "default").GetGrainId(), factory.GetGrainFast<ISubscriptionGrain>(42).GetGrainId());

        var id = Random.Shared.NextInt64(1_000_000, long.MaxValue);
        Assert.Null(await factory.GetGrainFast<IRegionTreeGrain>("default").PlaceAsync(id, null));
        Assert.True(await factory.GetGrain<IRegionNodeGrain>(id, "default").ExistsAsync());
        Assert.Equal([id], (await factory.GetGrain<IRegionNodeGrain>(id, "default").GetState()).Path);
    }
}
