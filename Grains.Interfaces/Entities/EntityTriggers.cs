namespace EventsSubscriptions.Grains.Interfaces.Entities;

/// <summary>
/// The triggers the service itself fires (the last part of <c>entity:&lt;resource&gt;:&lt;trigger&gt;</c>).
/// Triggers are open: any other name is a custom action's (<c>POST …/actions/{name}</c>).
/// </summary>
public static class EntityTriggers
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Deleted = "deleted";

    /// <summary>A subscription's backfill: an entity's current state, sent to that subscription alone.</summary>
    public const string Backfill = "backfill";

    /// <summary>A subscription's test call: a sample body, sent once.</summary>
    public const string Test = "test";

    /// <summary>Every entity change fires one of these; an action may not take their names.</summary>
    public static readonly IReadOnlyList<string> Changes = [Created, Updated, Deleted];
}
