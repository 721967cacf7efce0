using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Entities;
using EventsSubscriptions.Grains.Interfaces.Routing;
using EventsSubscriptions.Grains.Persistence;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// The subscriptions of one resource, versioned: every change raises the version. Nothing is
/// stored here: an activation loads the resource's live subscriptions from the read model (each
/// subscription writes its row there before it tells this grain), so a change costs one row
/// write by its subscription instead of a rewrite of the whole index. Versions start from the
/// activation time, so that a new activation never repeats a version a router may have cached.
/// </summary>
public sealed class SubscriptionIndexGrain(
    SubscriptionReadModel readModel,
    IOptions<EventSettings> events) : Grain, ISubscriptionIndexGrain
{
    /// <summary>How many changes the index remembers for routers that ask what changed since their version.</summary>
    public const int RememberedChanges = 4096;

    private readonly Dictionary<long, SubscriptionRoute> routes = [];
    private long version;

    // The subscription changed at each version since `remembersFrom` (oldest first): a router at a
    // version from there on gets the routes changed since, not the whole index.
    private readonly Queue<(long Version, long SubscriptionId)> changes = new();
    private long remembersFrom;

    // Whether the routers were told of this activation's version. An activation loads the read
    // model, which already holds the change its first caller brings: that change looks like no
    // change here, yet routers still hold the table of an earlier activation.
    private bool announced;
    private SubscriptionIndexSnapshot? snapshot;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var view in await readModel.LiveOfResourceAsync(this.GetPrimaryKeyString(), cancellationToken))
        {
            routes[view.Id] = SubscriptionRoute.From(view.Id, view.Spec, view.Status);
        }
        version = DateTime.UtcNow.Ticks;
        remembersFrom = version;
    }

    public async Task UpsertAsync(SubscriptionRoute route)
    {
        if (routes.TryGetValue(route.SubscriptionId, out var existing) && Same(existing, route) && announced)
        {
            return;
        }
        routes[route.SubscriptionId] = route;
        await ChangedAsync(route.SubscriptionId);
    }

    public async Task RemoveAsync(long subscriptionId)
    {
        if (routes.Remove(subscriptionId) || !announced)
        {
            await ChangedAsync(subscriptionId);
        }
    }

    public Task<SubscriptionIndexSnapshot?> GetState() => GetAsync(0);

    public Task<SubscriptionIndexSnapshot?> GetAsync(long knownVersion)
    {
        if (knownVersion == version)
        {
            return Task.FromResult<SubscriptionIndexSnapshot?>(null);
        }
        snapshot ??= new SubscriptionIndexSnapshot(this.GetPrimaryKeyString(), version, [.. routes.Values.OrderBy(r => r.SubscriptionId)]);
        return Task.FromResult<SubscriptionIndexSnapshot?>(snapshot);
    }

    public Task<SubscriptionIndexChanges?> GetChangesAsync(long knownVersion)
    {
        if (knownVersion == version)
        {
            return Task.FromResult<SubscriptionIndexChanges?>(null);
        }
        if (knownVersion < remembersFrom || knownVersion > version)
        {
            // Older than what is remembered, or from another activation: the whole index.
            snapshot ??= new SubscriptionIndexSnapshot(this.GetPrimaryKeyString(), version, [.. routes.Values.OrderBy(r => r.SubscriptionId)]);
            return Task.FromResult<SubscriptionIndexChanges?>(new SubscriptionIndexChanges(knownVersion, version, [], [], snapshot));
        }
        var changed = changes.Where(c => c.Version > knownVersion).Select(c => c.SubscriptionId).ToHashSet();
        return Task.FromResult<SubscriptionIndexChanges?>(new SubscriptionIndexChanges(knownVersion, version,
            [.. changed.Where(routes.ContainsKey).Order().Select(id => routes[id])],
            [.. changed.Where(id => !routes.ContainsKey(id)).Order()],
            null));
    }

    private async Task ChangedAsync(long subscriptionId)
    {
        version++;
        snapshot = null;
        changes.Enqueue((version, subscriptionId));
        while (changes.Count > RememberedChanges)
        {
            remembersFrom = changes.Dequeue().Version;
        }
        // Every router of this resource learns of the change before the caller's API call returns,
        // so that events accepted afterwards are matched against it.
        var resource = this.GetPrimaryKeyString();
        var changed = version;
        await Task.WhenAll(Enumerable.Range(0, events.Value.Partitions)
            .Select(p => GrainFactory.GetGrain<IEventRouterGrain>(EntityKey.Format(resource, p)).InvalidateAsync(changed)));
        announced = true;
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
