using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Streaming;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Storage;

namespace EventsSubscriptions.Grains.Compatibility;

/// <summary>
/// Entities last changed before the event queue (migration 0012) kept their state in Orleans'
/// grain storage, with the events not yet known to be on the old stream. <see cref="AdoptAsync"/>
/// queues those events (the last one with the entity's own row, in one commit; consumers ignore an
/// event they already had) and removes the old state; an entity with no pending event is read from
/// it until its first change writes its own row (<see cref="ForgetAsync"/>). Looked for only while
/// the service still has such state (asked once per silo), so a new entity costs no read of it.
/// Can be dropped once no <c>entity</c> row is left in <c>orleansstorage</c> (see README.md here).
/// </summary>
internal sealed class LegacyEntityStorage(IGrainBase grain, EventQueue events, ILogger logger)
{
    /// <summary>The grain state name, and the grain type Orleans' storage names the rows with.</summary>
    private const string StateName = "entity";
    private const string GrainType = "entity";

    private GrainState<EntityState>? unmoved;

    /// <summary>The stored entity (sequence, snapshot, last event id), or null when the old storage holds none.</summary>
    public async Task<(long Sequence, string? Snapshot, string? LastEventId)?> AdoptAsync(
        string scoped, long id, string resource, StreamId stream)
    {
        if (Storage() is not { } storage || !await events.Store.HasLegacyEntityStateAsync(GrainType))
        {
            return null;
        }
        var legacy = new GrainState<EntityState>(new EntityState());
        await storage.ReadStateAsync(StateName, grain.GrainContext.GrainId, legacy);
        if (!legacy.RecordExists || legacy.State is null)
        {
            return null;
        }
        (long Sequence, string? Snapshot, string? LastEventId) adopted = (legacy.State.Sequence, legacy.State.Snapshot, null);
        var pending = legacy.State.Unpublished;
        if (pending.Count == 0)
        {
            // Read from here until the entity's first change writes its own row.
            unmoved = legacy;
            return adopted;
        }
        logger.LegacyEventsQueued(resource, id, pending.Count);
        foreach (var earlier in pending.Take(pending.Count - 1))
        {
            await events.AppendAsync(stream, [earlier], null);
        }
        var last = pending[^1];
        if (await events.Store.AppendAsync(new EventQueueItem(scoped, id, adopted.Sequence, adopted.Snapshot,
                events.QueueOf(stream), events.Pack(stream, [last], null), last.EventId, last.Trigger, last.OccurredOn)))
        {
            adopted.LastEventId = last.EventId;
        }
        else if (await events.Store.ReadEntityAsync(scoped, id) is { } stored)
        {
            // Another activation adopted it first.
            adopted = stored;
        }
        await storage.ClearStateAsync(StateName, grain.GrainContext.GrainId, legacy);
        return adopted;
    }

    /// <summary>Removes the old state once the entity's own row is written; a failure only leaves it lingering.</summary>
    public async Task ForgetAsync(string resource, long id)
    {
        if (unmoved is not { } legacy || Storage() is not { } storage)
        {
            return;
        }
        try
        {
            await storage.ClearStateAsync(StateName, grain.GrainContext.GrainId, legacy);
            unmoved = null;
        }
        catch (Exception e)
        {
            // The entity's own row is written and read first; the old one only lingers.
            logger.LegacyStateNotRemoved(e, resource, id);
        }
    }

    private IGrainStorage? Storage() =>
        grain.GrainContext.ActivationServices.GetKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
}
