namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

[GenerateSerializer, Immutable, Alias("es.ListSort")]
public sealed record ListSort([property: Id(0)] ListField Field, [property: Id(1)] bool Descending);
