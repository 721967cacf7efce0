namespace EventsSubscriptions.Grains.Interfaces.Filters;

/// <summary>
/// One validated TrackTik GET filter: a dotted path into the entity, an operator, its values.
/// <see cref="MatchAll"/> tells, for <c>inSet</c>, whether every value must be held (<c>a,b</c>) or any (<c>a|b</c>).
/// </summary>
[GenerateSerializer, Immutable, Alias("es.FilterCondition")]
public sealed record FilterCondition(
    [property: Id(0)] string Key,
    [property: Id(1)] string Path,
    [property: Id(2)] FilterOperator Operator,
    [property: Id(3)] string[] Values,
    [property: Id(4)] bool MatchAll);
