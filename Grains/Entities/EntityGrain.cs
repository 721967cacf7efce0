using System.Text.Json;
using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Compatibility;
using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Regions;
using EventsSubscriptions.Grains.Streaming;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Hosting;
using EventsSubscriptions.Grains.Interfaces.Regions;
using EventsSubscriptions.Grains.Interfaces.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Json = EventsSubscriptions.Grains.Interfaces.Json;

namespace EventsSubscriptions.Grains.Entities;

/// <summary>
/// One entity. A change and its event are made durable together, by one commit shared with the
/// changes of other entities (<see cref="EventQueueStore"/>): the entity's row in
/// <c>entity_state</c> and the event's message in <c>event_queue</c>, which the event stream
/// reads. The call returns once that commit is done; there is nothing left to publish after it.
/// </summary>
public sealed class EntityGrain(
    EventQueue events,
    RegionPaths regions,
    IOptions<EventSettings> settings,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider clock,
    Delivery.DeliveryMetrics metrics,
    ILogger<EntityGrain> logger) : Grain, IEntityGrain
{
    public const string Regions = "regions";

    // The key's resource is qualified by the tenant (Tenants.Qualify): rows and streams are named by
    // it; events and the region tree see the resource and the tenant apart.
    private string scoped = "";
    private string resource = "";
    private string tenant = Tenants.Default;
    private long id;
    private string? snapshot;
    private long sequence;

    /// <summary>The id of the event that made the entity what it is (null if unknown: written by an earlier version).</summary>
    private string? lastEventId;

    /// <summary>State an earlier version stored in Orleans' grain storage (Compatibility).</summary>
    private LegacyEntityStorage? legacy;

    /// <summary>Whether the stored state was read (or is known to be none).</summary>
    private bool loaded;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (scoped, id) = EntityKey.Parse(this.GetPrimaryKeyString());
        (tenant, resource) = Tenants.Split(scoped);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Reads the entity's stored state with its first call. The create of an id just taken from
    /// the id sequence does not: nothing can be stored under it, and were something there, the
    /// commit's sequence guard would refuse to write over it.
    /// </summary>
    private async ValueTask LoadAsync()
    {
        if (loaded)
        {
            return;
        }
        if (await events.Store.ReadEntityAsync(scoped, id) is { } stored)
        {
            (sequence, snapshot, lastEventId) = stored;
        }
        else if (await Legacy.AdoptAsync(scoped, id, resource, StreamOf()) is { } adopted)
        {
            (sequence, snapshot, lastEventId) = adopted;
        }
        loaded = true;
    }

    public async Task<string?> GetAsync()
    {
        await LoadAsync();
        return snapshot;
    }

    public async Task<Interfaces.Operations.EntityStateView> GetState()
    {
        await LoadAsync();
        return new Interfaces.Operations.EntityStateView(snapshot, sequence);
    }

    /// <summary>A PUT or PATCH repeated by the gateway is applied once (<see cref="RepeatedChanges"/>).</summary>
    private readonly RepeatedChanges repeated = new();

    public async Task<EntityResult> CreateAsync(string json)
    {
        var firstCall = !loaded;
        // Called with a fresh id (POST): no read first (see LoadAsync).
        loaded = true;
        if (snapshot is not null)
        {
            return new EntityResult(EntityOutcome.Exists, null, null, null, false);
        }
        try
        {
            return await ChangeAsync(Normalize(JsonNode.Parse(json)!.AsObject()), EntityTriggers.Created, null);
        }
        catch (InconsistentStateException) when (firstCall)
        {
            // Something was stored under this id after all: nothing was written; say so.
            loaded = false;
            await LoadAsync();
            return new EntityResult(EntityOutcome.Exists, null, null, null, false);
        }
    }

    public Task<EntityResult> PutAsync(string json) => repeated.ApplyOnceAsync(() => PutOnceAsync(json));

    private async Task<EntityResult> PutOnceAsync(string json)
    {
        await LoadAsync();
        var next = Normalize(JsonNode.Parse(json)!.AsObject());
        if (snapshot is null)
        {
            return await ChangeAsync(next, EntityTriggers.Created, null);
        }
        return await UpdateAsync(next);
    }

    public Task<EntityResult> PatchAsync(string mergePatch) => repeated.ApplyOnceAsync(() => PatchOnceAsync(mergePatch));

    private async Task<EntityResult> PatchOnceAsync(string mergePatch)
    {
        await LoadAsync();
        if (Current() is not { } current)
        {
            return EntityResult.NotFound;
        }
        var merged = Json.MergePatch.Apply(current, JsonNode.Parse(mergePatch))!.AsObject();
        return await UpdateAsync(Normalize(merged));
    }

    public async Task<EntityResult> DeleteAsync()
    {
        await LoadAsync();
        if (Current() is not { } current)
        {
            return EntityResult.NotFound;
        }
        if (resource == Regions && await Tree().RemoveAsync(id) is { } refused)
        {
            return EntityResult.Invalid("id", refused);
        }
        return await ChangeAsync(current, EntityTriggers.Deleted, null);
    }

    public async Task<EntityResult> ActAsync(string action, string? body)
    {
        await LoadAsync();
        if (Current() is not { } current)
        {
            return EntityResult.NotFound;
        }
        // Kept with the event as its webhook bodies carry it (compact, as the service writes JSON).
        return await ChangeAsync(current, action, body is null ? null : WebhookPayload.Data(body));
    }

    private async Task<EntityResult> UpdateAsync(JsonObject next)
    {
        if (JsonNode.DeepEquals(Current(), next))
        {
            // Nothing fires; the answer names the event that made the entity so (a repeated PUT
            // whose first attempt's answer was lost learns the event its change fired).
            return new EntityResult(EntityOutcome.Ok, snapshot, null, lastEventId, false);
        }
        return await ChangeAsync(next, EntityTriggers.Updated, null);
    }

    private async Task<EntityResult> ChangeAsync(JsonObject entity, string trigger, string? actionBody)
    {
        var delete = trigger == EntityTriggers.Deleted;
        // The region's path as the tree stands now (every move answers once each silo's copy holds
        // it): scopes are matched against it. A region's own events are scoped by the region itself;
        // a removed region keeps the path it had.
        long[] path = [];
        // The tree is changed before the region's own commit: if that commit fails, the tree is put
        // back as the region's stored state has it (the caller's retry then changes both again).
        Func<Task>? undoTree = null;
        if (resource == Regions)
        {
            var stored = Current();
            var storedParent = stored?["parentRegion"]?.GetValue<long>();
            if (trigger is EntityTriggers.Created or EntityTriggers.Updated)
            {
                var parent = entity["parentRegion"]?.GetValue<long>();
                if (await Tree().PlaceAsync(id, parent) is { } refused)
                {
                    return EntityResult.Invalid("parentRegion", refused);
                }
                undoTree = stored is null ? () => Tree().RemoveAsync(id) : () => Tree().PlaceAsync(id, storedParent);
            }
            else if (delete)
            {
                undoTree = () => Tree().PlaceAsync(id, storedParent);
            }
            path = await regions.PathOfAsync(tenant, id) ?? [id];
        }
        else if (entity["region"] is JsonValue regionValue)
        {
            var region = regionValue.GetValue<long>();
            if (!delete && !await GrainFactory.GetGrain<IRegionNodeGrain>(region, tenant).ExistsAsync())
            {
                return EntityResult.Invalid("region", $"region {region} does not exist");
            }
            path = await regions.PathOfAsync(tenant, region) ?? [region];
        }

        var json = entity.ToJsonString();
        var entityEvent = new EntityEvent(Guid.CreateVersion7().ToString(), resource, trigger, id, path, json,
            clock.GetUtcNow(), actionBody, sequence + 1, ServiceTracing.CurrentParent());
        var next = delete ? null : json;
        var stream = StreamOf();
        bool written;
        try
        {
            written = await events.Store.AppendAsync(new EventQueueItem(scoped, id, entityEvent.Sequence, next,
                events.QueueOf(stream), events.Pack(stream, [entityEvent], null), entityEvent.EventId, entityEvent.Trigger, entityEvent.OccurredOn));
        }
        catch
        {
            await UndoTreeAsync(undoTree);
            throw;
        }
        if (!written)
        {
            await UndoTreeAsync(undoTree);
            // Another activation of this entity wrote first (a brief duplicate after a silo was
            // lost): nothing was written; the caller retries against the state that won.
            throw new InconsistentStateException($"{scoped}/{id} was changed elsewhere (stored sequence is not {sequence})");
        }
        await Legacy.ForgetAsync(resource, id);
        var created = snapshot is null;
        sequence = entityEvent.Sequence;
        snapshot = next;
        lastEventId = entityEvent.EventId;
        metrics.EventAccepted(tenant);
        return new EntityResult(EntityOutcome.Ok, json, null, entityEvent.EventId, created);
    }

    private async Task UndoTreeAsync(Func<Task>? undo)
    {
        if (undo is null)
        {
            return;
        }
        try
        {
            await undo();
        }
        catch (Exception e)
        {
            // The tree keeps the change the region's state does not have; the same request sent again makes them agree.
            logger.RegionTreeNotRestored(e, id);
        }
    }

    private LegacyEntityStorage Legacy => legacy ??= new(this, events, logger);

    private StreamId StreamOf() =>
        StreamId.Create(EntityStream.Namespace, EntityStream.Key(scoped, id, settings.Value.Partitions));

    private JsonObject? Current() => snapshot is { } json ? JsonNode.Parse(json)!.AsObject() : null;

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

    /// <summary>Every change of the region tree goes through its one serializing grain.</summary>
    private IRegionTreeGrain Tree() => GrainFactory.GetGrain<IRegionTreeGrain>(tenant);
}
