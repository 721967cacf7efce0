namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>
/// The <c>contextFilters</c> of a subscription: which regions its events may come from.
/// A filter with no region is <c>context.*</c> (every region, and entities with none).
/// </summary>
[GenerateSerializer, Immutable, Alias("es.RegionScope")]
public sealed record RegionScope(
    [property: Id(0)] ScopeFilter[] Filters,
    [property: Id(1)] long[] Exclusions);
