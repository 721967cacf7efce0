namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>A subscription as its grain knows it: configuration, status and health, never the secret.</summary>
[GenerateSerializer, Immutable, Alias("es.SubscriptionView")]
public sealed record SubscriptionView
{
    [Id(0)] public required long Id { get; init; }
    [Id(1)] public required SubscriptionSpec Spec { get; init; }
    [Id(2)] public required SubscriptionStatus Status { get; init; }
    [Id(3)] public string? StatusReason { get; init; }
    [Id(4)] public DateTimeOffset? LastTriggeredOn { get; init; }
    [Id(5)] public required DateTimeOffset CreatedOn { get; init; }
    [Id(6)] public required DateTimeOffset UpdatedOn { get; init; }
    [Id(7)] public required SubscriptionHealth Health { get; init; }

    /// <summary>Grows with every change; a conditional update names the version it was built from.</summary>
    [Id(8)] public required int Version { get; init; }

    /// <summary>The caller (token subject) that created it: its quota counts it. Not part of the API's answers.</summary>
    [Id(9)] public string? CreatedBy { get; init; }

    /// <summary>The tenant it belongs to (null: the default tenant). Not part of the API's answers.</summary>
    [Id(10)] public string? Tenant { get; init; }

    /// <summary>The last backfill, if any (running, completed or cancelled).</summary>
    [Id(11)] public BackfillProgress? Backfill { get; init; }
}
