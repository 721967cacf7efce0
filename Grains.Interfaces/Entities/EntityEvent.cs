namespace EventsSubscriptions.Grains.Interfaces.Entities;

/// <summary>
/// One change of one entity, as carried by the durable stream. <see cref="RegionPath"/> is the
/// entity's region followed by its ancestors up to the root, as the tree stood when the event
/// was accepted: scopes are matched against it, so a tree change applies to events accepted after it.
/// <see cref="Sequence"/> numbers the events of one entity from 1 in acceptance order: deliveries of
/// an entity follow it, whatever order a recovering stream hands the events over in.
/// <see cref="TraceParent"/> is the W3C trace context of the call that made the change, when
/// tracing is on: routing and the webhook call continue its trace.
/// </summary>
[GenerateSerializer, Immutable, Alias("es.EntityEvent")]
public sealed record EntityEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Resource,
    [property: Id(2)] string Trigger,
    [property: Id(3)] long EntityId,
    [property: Id(4)] long[] RegionPath,
    [property: Id(5)] string Snapshot,
    [property: Id(6)] DateTimeOffset OccurredOn,
    [property: Id(7)] string? ActionBody,
    [property: Id(8)] long Sequence,
    [property: Id(9)] string? TraceParent = null)
{
    public string Name => $"entity:{Resource}:{Trigger}";

    public long? Region => RegionPath.Length > 0 ? RegionPath[0] : null;
}
