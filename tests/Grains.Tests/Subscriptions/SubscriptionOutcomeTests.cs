namespace EventsSubscriptions.Grains.Tests.Subscriptions;

/// <summary>
/// The subscription grain answers why a call did nothing (no such subscription, archived, invalid)
/// in the result itself, and merges a PATCH under its own one-call-at-a-time rule.
/// </summary>
[Trait("Category", "Integration")]
[Collection(SharedClusterCollection.Name)]
public sealed class SubscriptionOutcomeTests(SharedClusterFixture fixture)
{
    private IClusterClient Grains => fixture.Cluster.Client;

    [Fact]
    public async Task A_patch_is_merged_and_checked_whole_by_the_grain_and_a_refused_one_changes_nothing()
    {
        var (grain, created) = await CreateAsync();

        var refused = await grain.PatchAsync("""{"colour": "blue", "url": "ftp://127.0.0.1:9", "delivery": {"maxInFlight": 0}}""");
        Assert.Equal(SubscriptionOutcome.Invalid, refused.Outcome);
        Assert.Equal(["colour", "delivery.maxInFlight", "url"], refused.Errors!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(created.Version, (await grain.GetAsync())!.Version);

        var patched = await grain.PatchAsync("""{"name": "patched", "delivery": {"timeoutSeconds": 5}}""");
        Assert.Equal(SubscriptionOutcome.Ok, patched.Outcome);
        Assert.Equal("patched", patched.View!.Spec.Name);
        Assert.Equal(new DeliveryOptions(DeliveryOptions.DefaultMaxInFlight, 5, null), patched.View.Spec.Delivery);
        Assert.Equal(created.Spec.Url, patched.View.Spec.Url);
        Assert.Equal(created.Version + 1, patched.View.Version);
    }

    [Fact]
    public async Task Concurrent_patches_of_different_fields_all_apply()
    {
        var (grain, _) = await CreateAsync();

        var results = await Task.WhenAll(
            grain.PatchAsync("""{"name": "concurrent"}"""),
            grain.PatchAsync("""{"language": "de"}"""),
            grain.PatchAsync("""{"failureEmail": "ops@example.com"}"""),
            grain.PatchAsync("""{"delivery": {"maxInFlight": 3}}"""),
            grain.PatchAsync("""{"url": "http://127.0.0.1:9/concurrent"}"""));

        Assert.All(results, r => Assert.Equal(SubscriptionOutcome.Ok, r.Outcome));
        var spec = (await grain.GetAsync())!.Spec;
        Assert.Equal(("concurrent", "de", "ops@example.com", 3, "http://127.0.0.1:9/concurrent"),
            (spec.Name, spec.Language, spec.FailureEmail, spec.Delivery.MaxInFlight, spec.Url));
    }

    [Fact]
    public async Task A_subscription_that_does_not_exist_is_not_found_by_patch_test_and_replay_without_a_second_call()
    {
        var grain = Grains.GetGrain<ISubscriptionGrain>(await Grains.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync());

        var patch = await grain.PatchAsync("""{"name": "x"}""");
        var test = await grain.TestAsync();
        var replay = await grain.ReplayAsync(DateTimeOffset.UtcNow.AddDays(-1), null, onlyFailed: false);

        Assert.Equal((SubscriptionOutcome.NotFound, null), (patch.Outcome, patch.Detail));
        Assert.Equal((SubscriptionOutcome.NotFound, null), (test.Outcome, test.Detail));
        Assert.Equal((SubscriptionOutcome.NotFound, null), (replay.Outcome, replay.Detail));
    }

    [Fact]
    public async Task An_archived_subscription_refuses_patch_test_and_replay_saying_why_but_an_invalid_patch_is_invalid_first()
    {
        var (grain, _) = await CreateAsync();
        await grain.ArchiveAsync("done");

        var patch = await grain.PatchAsync("""{"name": "x"}""");
        var invalid = await grain.PatchAsync("""{"colour": "x"}""");
        var test = await grain.TestAsync();
        var replay = await grain.ReplayAsync(DateTimeOffset.UtcNow.AddDays(-1), null, onlyFailed: false);

        Assert.Equal(SubscriptionOutcome.StatusConflict, patch.Outcome);
        Assert.Equal(SubscriptionOutcome.Invalid, invalid.Outcome);
        Assert.Equal((SubscriptionOutcome.StatusConflict, "'test' does not apply to a subscription that is ARCHIVED"), (test.Outcome, test.Detail));
        Assert.Equal((SubscriptionOutcome.StatusConflict, "'replay' does not apply to a subscription that is ARCHIVED"), (replay.Outcome, replay.Detail));
    }

    [Fact]
    public async Task A_replay_answers_the_number_queued_again_and_the_subscription_after()
    {
        var (grain, created) = await CreateAsync();

        var replay = await grain.ReplayAsync(DateTimeOffset.UtcNow.AddDays(-1), null, onlyFailed: true);

        Assert.Equal((SubscriptionOutcome.Ok, 0), (replay.Outcome, replay.Requeued));
        Assert.Equal(created.Id, replay.View!.Id);
    }

    private async Task<(ISubscriptionGrain Grain, SubscriptionView Created)> CreateAsync()
    {
        var id = await Grains.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync();
        var grain = Grains.GetGrain<ISubscriptionGrain>(id);
        var created = await grain.CreateAsync(
            TestSpecs.Subscription($"outcomes{Guid.NewGuid():N}"[..20], "http://127.0.0.1:9/outcomes"), new SecretText("0123456789abcdef"), null);
        Assert.Equal(SubscriptionOutcome.Ok, created.Outcome);
        return (grain, created.View!);
    }
}
