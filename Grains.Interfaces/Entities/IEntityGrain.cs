namespace EventsSubscriptions.Grains.Interfaces.Entities;

public enum EntityOutcome
{
    Ok,
    NotFound,

    /// <summary>The write was refused as invalid (unknown region, cycle…); <see cref="EntityResult.Errors"/> say why.</summary>
    Invalid,

    /// <summary>A create found the id taken.</summary>
    Exists,
}

[GenerateSerializer, Immutable, Alias("es.EntityResult")]
public sealed record EntityResult(
    [property: Id(0)] EntityOutcome Outcome,
    [property: Id(1)] string? Snapshot,
    [property: Id(2)] Dictionary<string, string[]>? Errors,
    [property: Id(3)] string? EventId,
    [property: Id(4)] bool Created)
{
    public static EntityResult NotFound { get; } = new(EntityOutcome.NotFound, null, null, null, false);

    public static EntityResult Invalid(string field, string message) =>
        new(EntityOutcome.Invalid, null, new Dictionary<string, string[]> { [field] = [message] }, null, false);
}

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
