namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>One attempt (or cancellation) of one delivery.</summary>
[GenerateSerializer, Immutable, Alias("es.DeliveryLogEntry")]
public sealed record DeliveryLogEntry(
    [property: Id(0)] long Id,
    [property: Id(1)] long SubscriptionId,
    [property: Id(2)] string DeliveryId,
    [property: Id(3)] string EventId,
    [property: Id(4)] string EventName,
    [property: Id(5)] string EntityKey,
    [property: Id(6)] int Attempt,
    [property: Id(7)] LogOutcome Outcome,
    [property: Id(8)] int? StatusCode,
    [property: Id(9)] int? DurationMs,
    [property: Id(10)] string? Error,
    [property: Id(11)] string? ResponseExcerpt,
    [property: Id(12)] DateTimeOffset CreatedOn,
    [property: Id(13)] DateTimeOffset? NextAttemptOn)
{
    /// <summary>The headers of a failed attempt's answer ("Name: value" lines); null for a success or no answer.</summary>
    [Id(14)] public string? ResponseHeaders { get; init; }
}
