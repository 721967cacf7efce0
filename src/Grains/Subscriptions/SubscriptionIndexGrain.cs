using EventsSubscriptions.Grains.Entities;
using EventsSubscriptions.Grains.Interfaces.Routing;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using Microsoft.Extensions.Options;

namespace EventsSubscriptions.Grains.Subscriptions;

[GenerateSerializer, Alias("es.SubscriptionIndexState")]
public sealed class SubscriptionIndexState
{
    [Id(0)] public Dictionary<long, SubscriptionRoute> Routes { get; set; } = [];
    [Id(1)] public long Version { get; set; }
}

/// <summary>The subscriptions of one resource, versioned: every change raises the version.</summary>
public sealed class SubscriptionIndexGrain(
    [PersistentState("subscription-index")] IPersistentState<SubscriptionIndexState> state,
    IOptions<EventSettings> events) : Grain, ISubscriptionIndexGrain
{
    private SubscriptionIndexSnapshot? snapshot;

    public async Task UpsertAsync(SubscriptionRoute route)
    {
        if (state.State.Routes.TryGetValue(route.SubscriptionId, out var existing) && Same(existing, route))
        {
            return;
        }
        state.State.Routes[route.SubscriptionId] = route;
        await ChangedAsync();
    }

    public async Task RemoveAsync(long subscriptionId)
    {
        if (state.State.Routes.Remove(subscriptionId))
        {
            await ChangedAsync();
        }
    }

    public Task<SubscriptionIndexSnapshot?> GetAsync(long knownVersion)
    {
        if (knownVersion == state.State.Version && knownVersion != 0)
        {
            return Task.FromResult<SubscriptionIndexSnapshot?>(null);
        }
        snapshot ??= new SubscriptionIndexSnapshot(
            this.GetPrimaryKeyString(), state.State.Version, [.. state.State.Routes.Values.OrderBy(r => r.SubscriptionId)]);
        return Task.FromResult<SubscriptionIndexSnapshot?>(snapshot);
    }

    private async Task ChangedAsync()
    {
        state.State.Version++;
        snapshot = null;
        await state.WriteStateAsync();
        // Every router of this resource learns of the change before the caller's API call returns,
        // so that events accepted afterwards are matched against it.
        var resource = this.GetPrimaryKeyString();
        await Task.WhenAll(Enumerable.Range(0, events.Value.Partitions)
            .Select(p => GrainFactory.GetGrain<IEventRouterGrain>($"{resource}/{p}").InvalidateAsync(state.State.Version)));
    }

    // Records holding arrays compare arrays by reference: compare their contents.
    private static bool Same(SubscriptionRoute a, SubscriptionRoute b) =>
        a.Status == b.Status
        && a.Triggers.SequenceEqual(b.Triggers)
        && a.Scope.Filters.SequenceEqual(b.Scope.Filters)
        && a.Scope.Exclusions.SequenceEqual(b.Scope.Exclusions)
        && a.Filters.Length == b.Filters.Length
        && a.Filters.Zip(b.Filters).All(p => p.First.Key == p.Second.Key && p.First.Path == p.Second.Path
            && p.First.Operator == p.Second.Operator && p.First.MatchAll == p.Second.MatchAll
            && p.First.Values.SequenceEqual(p.Second.Values));
}
