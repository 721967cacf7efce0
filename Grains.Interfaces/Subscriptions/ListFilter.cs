using EventsSubscriptions.Grains.Interfaces.Filters;

namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

[GenerateSerializer, Immutable, Alias("es.ListFilter")]
public sealed record ListFilter(
    [property: Id(0)] ListField Field,
    [property: Id(1)] FilterOperator Operator,
    [property: Id(2)] string[] Values);
