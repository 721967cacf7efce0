namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>
/// The <c>contextFilters</c> of a subscription: which regions its events may come from.
/// A filter with no region is <c>context.*</c> (every region, and entities with none).
/// </summary>
[GenerateSerializer, Immutable, Alias("es.RegionScope")]
public sealed record RegionScope(
    [property: Id(0)] ScopeFilter[] Filters,
    [property: Id(1)] long[] Exclusions);

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
