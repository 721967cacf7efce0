namespace EventsSubscriptions.Grains.Interfaces.Filters;

/// <summary>The <c>userDefinedFilters</c> of a subscription: its conditions (all must hold) and the object as written.</summary>
[GenerateSerializer, Immutable, Alias("es.UserDefinedFilters")]
public sealed record UserDefinedFilters(
    [property: Id(0)] FilterCondition[] Conditions,
    [property: Id(1)] string Json);
