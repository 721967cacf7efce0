using System.Diagnostics;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Filters;
using EventsSubscriptions.Grains.Interfaces.Routing;
using EventsSubscriptions.Grains.Persistence;
using Orleans.Streams;
using Orleans.Streams.Core;
using EventsSubscriptions.Grains.Hosting;

namespace EventsSubscriptions.Grains.Routing;

/// <summary>
/// Routes the events of one stream key (<c>resource/partition</c>), a batch at a time: by trigger
/// first (a dictionary look-up, so subscriptions of other events cost nothing), then region scope,
/// then filters. Each matching subscription gets its events of the batch in one call, in stream
/// order. The batch is acknowledged to the stream only when every match has queued its events, or
/// when a match that keeps failing while the others succeeded was kept in the routing dead
/// letters (it takes the events back when its grain activates again): one poison subscription
/// never holds back the events of the others.
/// </summary>
[ImplicitStreamSubscription(EntityStream.Namespace)]
public sealed class EventRouterGrain(RouteTableCache tables, RoutingDeadLetters deadLetters, Delivery.DeliveryMetrics metrics, ILogger<EventRouterGrain> logger)
    : Grain, IEventRouterGrain, IStreamSubscriptionObserver, IAsyncBatchObserver<EntityEvent>
{
    private RouteTable? table;
    private long invalidations;
    private long invalidationsSeen = -1;

    /// <summary>The router's key is <c>resource/partition</c>.</summary>
    private string Resource => EntityKey.Parse(this.GetPrimaryKeyString()).Resource;

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<EntityEvent>().ResumeAsync((IAsyncBatchObserver<EntityEvent>)this);

    public Task InvalidateAsync(long version)
    {
        // Any other version: an index that was activated again starts from a new one.
        if (table is null || version != table.Version)
        {
            invalidations++;
        }
        return Task.CompletedTask;
    }

    public Task<Interfaces.Operations.RouterStateView> GetState() => Task.FromResult(new Interfaces.Operations.RouterStateView(
        this.GetPrimaryKeyString(), table?.Version, table?.Count ?? 0, invalidations));

    public async Task OnNextAsync(IList<SequentialItem<EntityEvent>> items)
    {
        await RefreshAsync();
        var matched = new Dictionary<long, List<EntityEvent>>();
        foreach (var entry in items)
        {
            var item = entry.Item;
            metrics.EventRouted(item.EventId);
            using var span = ServiceTracing.StartFrom(item.TraceParent, "route " + item.Name, ActivityKind.Consumer);
            var subscriptions = Match(item);
            span?.SetTag("events_subscriptions.matched", subscriptions.Count);
            foreach (var subscription in subscriptions)
            {
                if (!matched.TryGetValue(subscription, out var events))
                {
                    matched[subscription] = events = [];
                }
                events.Add(item);
            }
        }
        if (matched.Count > 0)
        {
            await QueueAsync(matched);
        }
    }

    private List<long> Match(EntityEvent item)
    {
        var matches = new List<long>();
        if (!table!.ByTrigger.TryGetValue(item.Trigger, out var routes))
        {
            return matches;
        }
        var entity = new EntityFields(item.Snapshot);
        // Looked up by region and by filter, not every route of the trigger.
        foreach (var route in routes.Candidates(item.RegionPath, entity))
        {
            if (RouteSelection.Selects(route, item.RegionPath, entity))
            {
                matches.Add(route.SubscriptionId);
            }
        }
        return matches;
    }

    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    private async Task QueueAsync(Dictionary<long, List<EntityEvent>> matched)
    {
        var failed = await QueueEachAsync([.. matched.Keys], matched);
        foreach (var delay in RetryDelays)
        {
            if (failed.Count == 0)
            {
                return;
            }
            await Task.Delay(delay);
            failed = await QueueEachAsync([.. failed.Keys], matched);
        }
        if (failed.Count == 0)
        {
            return;
        }
        var error = failed.Values.First();
        var events = matched.Values.Sum(e => e.Count);
        if (failed.Values.FirstOrDefault(Hosting.DeactivateOnFailureFilter.IsTransient) is { } outage)
        {
            // An outage, not a bad subscription: the stream tries the batch again (the
            // subscriptions that queued its events already ignore them then).
            throw new InvalidOperationException($"{events} event(s) could not be queued for {failed.Count} of their {matched.Count} subscription(s): {outage.Message}", outage);
        }
        foreach (var (subscription, reason) in failed)
        {
            await SetApartAsync(subscription, matched[subscription], reason, matched.Count - failed.Count);
        }
    }

    /// <summary>
    /// A subscription keeps refusing its events of the batch (not an outage): each is offered alone,
    /// so that only the events it cannot take are kept apart (dead letters), not the whole batch.
    /// </summary>
    private async Task SetApartAsync(long subscription, List<EntityEvent> events, Exception reason, int others)
    {
        var grain = GrainFactory.GetGrainFast<ISubscriptionGrain>(subscription);
        foreach (var item in events)
        {
            var error = reason;
            if (events.Count > 1)
            {
                try
                {
                    await grain.EnqueueAsync(item);
                    continue;
                }
                catch (Exception e) when (!Hosting.DeactivateOnFailureFilter.IsTransient(e))
                {
                    error = e;
                }
            }
            logger.EventSetApart(error, item.EventId, item.Name, subscription, RetryDelays.Length + 1, others);
            await deadLetters.AddAsync([subscription], item, $"{error.GetType().Name}: {error.Message}");
        }
    }

    private async Task<Dictionary<long, Exception>> QueueEachAsync(IReadOnlyList<long> subscriptions, Dictionary<long, List<EntityEvent>> matched)
    {
        var calls = subscriptions.Select(id => (Id: id, Call: GrainFactory.GetGrainFast<ISubscriptionGrain>(id).EnqueueManyAsync([.. matched[id]]))).ToList();
        var failed = new Dictionary<long, Exception>();
        foreach (var (id, call) in calls)
        {
            try
            {
                await call;
            }
            catch (Exception e)
            {
                failed[id] = e;
            }
        }
        return failed;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        logger.StreamError(ex, this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    /// <summary>
    /// Reads what changed in the index when it was invalidated since the last read (or never read).
    /// The silo's table of the resource is offered as the known version: the index answers with
    /// nothing when it is current, with the changed routes alone while it remembers that version,
    /// and with the whole index otherwise.
    /// </summary>
    private async Task RefreshAsync()
    {
        var seen = invalidations;
        if (table is not null && seen == invalidationsSeen)
        {
            return;
        }
        var index = GrainFactory.GetGrain<ISubscriptionIndexGrain>(Resource);
        var held = tables.Get(Resource);
        var changes = await index.GetChangesAsync(held?.Version ?? 0);
        var fresh = changes is null ? held : tables.Apply(Resource, changes);
        if (fresh is null)
        {
            // The silo's table moved meanwhile to a version these changes do not start from: the
            // whole index (version 0 is never current).
            fresh = tables.Apply(Resource, (await index.GetChangesAsync(0))!)!;
        }
        table = fresh;
        invalidationsSeen = seen;
    }
}
