namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>Shapes the entity in the payload the way <c>fields=</c> and <c>include=</c> shape a GET.</summary>
[GenerateSerializer, Immutable, Alias("es.EntityResponse")]
public sealed record EntityResponse([property: Id(0)] string[] Fields, [property: Id(1)] string[] Include);
