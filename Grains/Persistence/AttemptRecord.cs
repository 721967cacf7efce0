namespace EventsSubscriptions.Grains.Persistence;

/// <summary>One attempt of one delivery: a log row, and the delivery's new state.</summary>
public sealed record AttemptRecord
{
    public required long SubscriptionId { get; init; }
    public required string DeliveryId { get; init; }
    public required string EventId { get; init; }
    public required string EventName { get; init; }
    public required string EntityKey { get; init; }
    public required int Attempt { get; init; }
    public required LogOutcome Outcome { get; init; }
    public int? StatusCode { get; init; }
    public int? DurationMs { get; init; }
    public string? Error { get; init; }
    public string? ResponseExcerpt { get; init; }
    public string? ResponseHeaders { get; init; }
    public required DateTimeOffset CreatedOn { get; init; }
    public DateTimeOffset? NextAttemptOn { get; init; }
    public required DeliveryState State { get; init; }
}
