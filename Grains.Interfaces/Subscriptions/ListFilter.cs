namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

[GenerateSerializer, Immutable, Alias("es.ListFilter")]
public sealed record ListFilter(
    [property: Id(0)] ListField Field,
    [property: Id(1)] ListOperator Operator,
    [property: Id(2)] string[] Values);
