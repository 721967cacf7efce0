namespace EventsSubscriptions.Silo.Hosting;

/// <summary>Names of the providers every silo registers.</summary>
public static class StorageNames
{
    /// <summary>The durable stream provider that carries entity events (the service's own queue on PostgreSQL).</summary>
    public const string EventStream = "event-queue";

    /// <summary>
    /// The stream provider of versions before the event queue (Orleans' ADO.NET provider). A silo
    /// starts it only to deliver the messages such a version left in its table.
    /// </summary>
    public const string LegacyEventStream = "entity-events";

    /// <summary>Grain storage used by Orleans' stream pub-sub.</summary>
    public const string PubSubStore = "PubSubStore";
}
