namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>
/// What changed in a resource's index after a version a router holds: the routes of every
/// subscription changed since (<see cref="Upserted"/>, as they are now) and those gone
/// (<see cref="Removed"/>), when the index still remembers that version; otherwise the whole index
/// (<see cref="Whole"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("es.SubscriptionIndexChanges")]
public sealed record SubscriptionIndexChanges(
    [property: Id(0)] long FromVersion,
    [property: Id(1)] long Version,
    [property: Id(2)] SubscriptionRoute[] Upserted,
    [property: Id(3)] long[] Removed,
    [property: Id(4)] SubscriptionIndexSnapshot? Whole);
