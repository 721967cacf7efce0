using EventsSubscriptions.Grains.Interfaces.Entities;

namespace EventsSubscriptions.Grains.Compatibility;

/// <summary>
/// An entity as versions before the event queue kept it in Orleans' grain storage, read once by
/// <see cref="LegacyEntityStorage"/>. Its serializer alias keeps the name stored rows carry.
/// </summary>
[GenerateSerializer, Alias("es.EntityState")]
public sealed class EntityState
{
    /// <summary>The entity as a JSON object; null when it does not exist (never created, or deleted).</summary>
    [Id(0)] public string? Snapshot { get; set; }

    /// <summary>Events saved with their change but not yet known to be on the stream; published again after a crash.</summary>
    [Id(1)] public List<EntityEvent> Unpublished { get; set; } = [];

    /// <summary>The sequence number of the entity's last event.</summary>
    [Id(2)] public long Sequence { get; set; }
}
