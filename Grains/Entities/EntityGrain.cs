using System.Text.Json;
using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Hosting;
using EventsSubscriptions.Grains.Interfaces.Regions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Json = EventsSubscriptions.Grains.Interfaces.Json;

namespace EventsSubscriptions.Grains.Entities;

/// <summary>
/// One entity. A change is saved together with its event, then the event is appended to the
/// durable stream, then the grain forgets it: the call returns only after the append, and an
/// event saved but not appended (a crash in between) is appended when the grain next activates.
/// </summary>
public sealed class EntityGrain(
    [PersistentState("entity")] IPersistentState<EntityState> state,
    IOptions<EventSettings> settings,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider clock,
    Delivery.DeliveryMetrics metrics,
    ILogger<EntityGrain> logger) : Grain, IEntityGrain
{
    public const string Regions = "regions";

    private string resource = "";
    private long id;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        var slash = key.LastIndexOf('/');
        resource = key[..slash];
        id = long.Parse(key[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        if (state.State.Unpublished.Count > 0)
        {
            logger.LogInformation("{Resource}/{Id}: appending {Count} event(s) saved before a restart", resource, id, state.State.Unpublished.Count);
            await PublishAsync();
        }
    }

    public Task<string?> GetAsync() => Task.FromResult(state.State.Snapshot);

    public Task<Interfaces.Operations.EntityStateView> GetState() => Task.FromResult(
        new Interfaces.Operations.EntityStateView(state.State.Snapshot, state.State.Sequence, state.State.Unpublished.Count));

    public async Task<EntityResult> CreateAsync(string json)
    {
        if (state.State.Snapshot is not null)
        {
            return new EntityResult(EntityOutcome.Exists, null, null, null, false);
        }
        return await ChangeAsync(Normalize(JsonNode.Parse(json)!.AsObject()), "created", null);
    }

    public async Task<EntityResult> PutAsync(string json)
    {
        var next = Normalize(JsonNode.Parse(json)!.AsObject());
        if (state.State.Snapshot is null)
        {
            return await ChangeAsync(next, "created", null);
        }
        return await UpdateAsync(next);
    }

    public async Task<EntityResult> PatchAsync(string mergePatch)
    {
        if (Current() is not { } current)
        {
            return EntityResult.NotFound;
        }
        var merged = Json.MergePatch.Apply(current, JsonNode.Parse(mergePatch))!.AsObject();
        return await UpdateAsync(Normalize(merged));
    }

    public async Task<EntityResult> DeleteAsync()
    {
        if (Current() is not { } current)
        {
            return EntityResult.NotFound;
        }
        long[]? regionPath = null;
        if (resource == Regions)
        {
            regionPath = await Region().GetPathAsync();
            if (await Tree().RemoveAsync(id) is { } refused)
            {
                return EntityResult.Invalid("id", refused);
            }
        }
        return await ChangeAsync(current, "deleted", null, deletedRegionPath: regionPath ?? []);
    }

    public async Task<EntityResult> ActAsync(string action, string? body)
    {
        if (Current() is not { } current)
        {
            return EntityResult.NotFound;
        }
        return await ChangeAsync(current, action, body);
    }

    private async Task<EntityResult> UpdateAsync(JsonObject next)
    {
        if (JsonNode.DeepEquals(Current(), next))
        {
            return new EntityResult(EntityOutcome.Ok, state.State.Snapshot, null, null, false);
        }
        return await ChangeAsync(next, "updated", null);
    }

    /// <param name="deletedRegionPath">For a deletion: the region path the entity had (a deleted region's own path).</param>
    private async Task<EntityResult> ChangeAsync(JsonObject entity, string trigger, string? actionBody, long[]? deletedRegionPath = null)
    {
        var delete = deletedRegionPath is not null;
        long[]? path;
        if (resource == Regions)
        {
            if (trigger is "created" or "updated")
            {
                var parent = entity["parentRegion"]?.GetValue<long>();
                if (await Tree().PlaceAsync(id, parent) is { } refused)
                {
                    return EntityResult.Invalid("parentRegion", refused);
                }
            }
            path = delete ? deletedRegionPath : await Region().GetPathAsync();
        }
        else if (entity["region"] is JsonValue regionValue)
        {
            var region = regionValue.GetValue<long>();
            path = await GrainFactory.GetGrain<IRegionNodeGrain>(region).GetPathAsync();
            if (path is null && !delete)
            {
                return EntityResult.Invalid("region", $"region {region} does not exist");
            }
        }
        else
        {
            path = [];
        }

        var snapshot = entity.ToJsonString();
        var entityEvent = new EntityEvent(Guid.CreateVersion7().ToString(), resource, trigger, id, path ?? [], snapshot,
            clock.GetUtcNow(), actionBody, state.State.Sequence + 1);
        state.State.Sequence = entityEvent.Sequence;
        var created = state.State.Snapshot is null;
        state.State.Snapshot = delete ? null : snapshot;
        state.State.Unpublished.Add(entityEvent);
        await state.WriteStateAsync();
        metrics.EventAccepted();
        await PublishAsync();
        return new EntityResult(EntityOutcome.Ok, snapshot, null, entityEvent.EventId, created);
    }

    private async Task PublishAsync()
    {
        var stream = this.GetStreamProvider(StorageNames.EventStream)
            .GetStream<EntityEvent>(StreamId.Create(EntityStream.Namespace, EntityStream.Key(resource, id, settings.Value.Partitions)));
        foreach (var pending in state.State.Unpublished)
        {
            await stream.OnNextAsync(pending);
        }
        state.State.Unpublished.Clear();
        await state.WriteStateAsync();
    }

    private JsonObject? Current() => state.State.Snapshot is { } json ? JsonNode.Parse(json)!.AsObject() : null;

    /// <summary>The stored form: <c>id</c> first, then the fields as given.</summary>
    private JsonObject Normalize(JsonObject entity)
    {
        var normalized = new JsonObject { ["id"] = id };
        foreach (var (name, value) in entity)
        {
            if (name != "id")
            {
                normalized[name] = value?.DeepClone();
            }
        }
        return normalized;
    }

    private IRegionNodeGrain Region() => GrainFactory.GetGrain<IRegionNodeGrain>(id);

    /// <summary>Every change of the region tree goes through its one serializing grain.</summary>
    private IRegionTreeGrain Tree() => GrainFactory.GetGrain<IRegionTreeGrain>(0);
}
