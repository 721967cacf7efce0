namespace EventsSubscriptions.Grains.Interfaces.Entities;

public static class EntityStream
{
    /// <summary>The stream namespace of entity events; keys are <c>resource/partition</c>.</summary>
    public const string Namespace = "entity-events";

    public static string Key(string resource, long entityId, int partitions) => EntityKey.Format(resource, entityId % partitions);
}
