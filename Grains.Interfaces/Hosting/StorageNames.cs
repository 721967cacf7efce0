namespace EventsSubscriptions.Grains.Interfaces.Hosting;

/// <summary>Names of the providers every silo registers.</summary>
public static class StorageNames
{
    /// <summary>The durable stream provider (ADO.NET on PostgreSQL) that carries entity events.</summary>
    public const string EventStream = "entity-events";

    /// <summary>Grain storage used by Orleans' stream pub-sub.</summary>
    public const string PubSubStore = "PubSubStore";
}
