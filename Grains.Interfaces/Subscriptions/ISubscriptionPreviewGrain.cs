namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>
/// What a draft subscription would send, without making it: no state, no side effect. One
/// activation per silo (a stateless worker) answers previews of any tenant (the request's).
/// </summary>
[Alias("es.ISubscriptionPreviewGrain")]
public interface ISubscriptionPreviewGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// The recent events the draft would have matched, each as it would have been sent, and the
    /// entities that match it now. <paramref name="events"/>: how many recent events to look at.
    /// </summary>
    [Alias("Preview")]
    [ResponseTimeout("00:00:30")] // reads up to 100,000 entities
    Task<SubscriptionPreview> PreviewAsync(SubscriptionSpec spec, SecretText secret, HeaderValues? headers, int events);
}

/// <summary>
/// A preview. <see cref="Since"/> and <see cref="EventsRead"/> say which events were looked at: the
/// last event of each of the resource's most recently changed entities since then, at most as
/// many as asked. <see cref="MatchingNow"/> counts the entities the draft's scope and filters
/// select now among the first <see cref="EntitiesRead"/> (all of them when <see cref="MatchingComplete"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("es.SubscriptionPreview")]
public sealed record SubscriptionPreview(
    [property: Id(0)] DateTimeOffset Since,
    [property: Id(1)] int EventsRead,
    [property: Id(2)] PreviewEvent[] Events,
    [property: Id(3)] long MatchingNow,
    [property: Id(4)] long[] MatchingSample,
    [property: Id(5)] long EntitiesRead,
    [property: Id(6)] bool MatchingComplete);

/// <summary>One event a draft would have received, with the body and headers of its call (secret values masked).</summary>
[GenerateSerializer, Immutable, Alias("es.PreviewEvent")]
public sealed record PreviewEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Event,
    [property: Id(2)] long EntityId,
    [property: Id(3)] DateTimeOffset OccurredOn,
    [property: Id(4)] string Body,
    [property: Id(5)] PreviewHeader[] Headers);

[GenerateSerializer, Immutable, Alias("es.PreviewHeader")]
public sealed record PreviewHeader([property: Id(0)] string Name, [property: Id(1)] string Value);
