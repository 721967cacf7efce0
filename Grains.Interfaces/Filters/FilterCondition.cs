namespace EventsSubscriptions.Grains.Interfaces.Filters;

public enum FilterOperator
{
    Equal,
    NotEqual,
    In,
    Contains,
    StartsWith,
    EndsWith,
    GreaterThan,
    GreaterOrEqual,
    LessThan,
    LessOrEqual,
    Before,
    After,
    Between,
    InSet,
    IsNull,
    IsNotNull,
}

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

/// <summary>The <c>userDefinedFilters</c> of a subscription: its conditions (all must hold) and the object as written.</summary>
[GenerateSerializer, Immutable, Alias("es.UserDefinedFilters")]
public sealed record UserDefinedFilters(
    [property: Id(0)] FilterCondition[] Conditions,
    [property: Id(1)] string Json);
