namespace EventsSubscriptions.Grains.Interfaces.Entities;

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
