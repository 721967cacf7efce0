namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

[GenerateSerializer, Immutable, Alias("es.ScopeFilter")]
public sealed record ScopeFilter(
    [property: Id(0)] long? RegionId,
    [property: Id(1)] bool IncludeChildren)
{
    public const string AnyRegionTag = "context.*";
    public const string RegionTagPrefix = "context.region.";

    [System.Text.Json.Serialization.JsonIgnore]
    public string Tag => RegionId is { } id ? $"{RegionTagPrefix}{id}" : AnyRegionTag;
}
