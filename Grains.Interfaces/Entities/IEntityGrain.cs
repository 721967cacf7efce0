namespace EventsSubscriptions.Grains.Interfaces.Entities;

/// <summary>
/// One entity (key: <c>resource/id</c>): its current snapshot, as a JSON object. Every change is
/// saved, then appended to the durable stream, before the call returns.
/// </summary>
[Alias("es.IEntityGrain")]
public interface IEntityGrain : IGrainWithStringKey
{
    /// <summary>Creates the entity; <see cref="EntityOutcome.Exists"/> if the id is taken.</summary>
    [Alias("Create")]
    Task<EntityResult> CreateAsync(string json);

    /// <summary>Creates or replaces the entity (fires created, or updated when something changed).</summary>
    [Alias("Put")]
    Task<EntityResult> PutAsync(string json);

    /// <summary>Applies a JSON merge patch (fires updated when something changed).</summary>
    [Alias("Patch")]
    Task<EntityResult> PatchAsync(string mergePatch);

    [Alias("Delete")]
    Task<EntityResult> DeleteAsync();

    [Alias("Act")]
    Task<EntityResult> ActAsync(string action, string? body);

    [Alias("Get"), Orleans.Concurrency.ReadOnly]
    Task<string?> GetAsync();

    /// <summary>For the Orleans Dashboard's grain-state view.</summary>
    [Alias("GetState"), Orleans.Concurrency.ReadOnly]
    Task<Operations.EntityStateView> GetState();
}
