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
public sealed class EventRouterGrain(ILogger<EventRouterGrain> logger)
    : Grain, IEventRouterGrain, IStreamSubscriptionObserver, IAsyncObserver<EntityEvent>
{
    private SubscriptionIndexSnapshot? index;
    private Dictionary<string, SubscriptionRoute[]> byTrigger = [];
    private long invalidations;
    private long invalidationsSeen = -1;

    private string Resource => this.GetPrimaryKeyString()[..this.GetPrimaryKeyString().LastIndexOf('/')];

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<EntityEvent>().ResumeAsync(this);

    public Task InvalidateAsync(long version)
    {
        if (index is null || version > index.Version)
        {
            invalidations++;
        }
        return Task.CompletedTask;
    }

    public async Task OnNextAsync(EntityEvent item, StreamSequenceToken? token = null)
    {
        await RefreshAsync();
        if (!byTrigger.TryGetValue(item.Trigger, out var candidates))
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

    /// <summary>Reads the index again when it was invalidated since the last read (or never read).</summary>
    private async Task RefreshAsync()
    {
        var seen = invalidations;
        if (index is not null && seen == invalidationsSeen)
        {
            return;
        }
        var fresh = await GrainFactory.GetGrain<ISubscriptionIndexGrain>(Resource).GetAsync(index?.Version ?? 0);
        if (fresh is not null)
        {
            index = fresh;
            byTrigger = fresh.Routes
                .SelectMany(r => r.Triggers.Select(t => (Trigger: t, Route: r)))
                .GroupBy(p => p.Trigger)
                .ToDictionary(g => g.Key, g => g.Select(p => p.Route).ToArray());
        }
        invalidationsSeen = seen;
    }
}
