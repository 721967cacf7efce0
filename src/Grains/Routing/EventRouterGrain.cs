using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Filters;
using EventsSubscriptions.Grains.Interfaces.Routing;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace EventsSubscriptions.Grains.Routing;

/// <summary>
/// Routes the events of one stream key (<c>resource/partition</c>): by trigger first (a
/// dictionary look-up, so subscriptions of other events cost nothing), then region scope, then
/// filters. The event is acknowledged to the stream only when every match has queued it.
/// </summary>
[ImplicitStreamSubscription(EntityStream.Namespace)]
public sealed class EventRouterGrain(RouteTableCache tables, ILogger<EventRouterGrain> logger)
    : Grain, IEventRouterGrain, IStreamSubscriptionObserver, IAsyncObserver<EntityEvent>
{
    private RouteTable? table;
    private long invalidations;
    private long invalidationsSeen = -1;

    private string Resource => this.GetPrimaryKeyString()[..this.GetPrimaryKeyString().LastIndexOf('/')];

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<EntityEvent>().ResumeAsync(this);

    public Task InvalidateAsync(long version)
    {
        // Any other version: an index that was activated again starts from a new one.
        if (table is null || version != table.Version)
        {
            invalidations++;
        }
        return Task.CompletedTask;
    }

    public async Task OnNextAsync(EntityEvent item, StreamSequenceToken? token = null)
    {
        await RefreshAsync();
        if (!table!.ByTrigger.TryGetValue(item.Trigger, out var candidates))
        {
            return;
        }
        JsonObject? entity = null;
        var matches = new List<long>();
        foreach (var route in candidates)
        {
            if (!ScopeMatcher.Matches(route.Scope, item.RegionPath))
            {
                continue;
            }
            if (route.Filters.Length > 0)
            {
                entity ??= JsonNode.Parse(item.Snapshot)!.AsObject();
                if (!FilterEvaluator.Matches(route.Filters, entity))
                {
                    continue;
                }
            }
            matches.Add(route.SubscriptionId);
        }
        if (matches.Count > 0)
        {
            await Task.WhenAll(matches.Select(id => GrainFactory.GetGrain<ISubscriptionGrain>(id).EnqueueAsync(item)));
        }
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        logger.LogWarning(ex, "Stream error on {Key}", this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    /// <summary>
    /// Reads the index again when it was invalidated since the last read (or never read). The
    /// silo's table of the resource is offered as the known version: when it is current, the
    /// index answers with nothing and this router shares it.
    /// </summary>
    private async Task RefreshAsync()
    {
        var seen = invalidations;
        if (table is not null && seen == invalidationsSeen)
        {
            return;
        }
        var held = tables.Get(Resource);
        var fresh = await GrainFactory.GetGrain<ISubscriptionIndexGrain>(Resource).GetAsync(held?.Version ?? 0);
        table = fresh is null ? held! : tables.Put(Resource, fresh);
        invalidationsSeen = seen;
    }
}
