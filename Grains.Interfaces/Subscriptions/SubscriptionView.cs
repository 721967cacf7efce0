namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

public enum SubscriptionStatus
{
    Active,
    Suspended,
    Archived,
}

public enum HealthState
{
    Unknown,
    Healthy,
    Failing,
}

[GenerateSerializer, Immutable, Alias("es.SubscriptionHealth")]
public sealed record SubscriptionHealth(
    [property: Id(0)] HealthState State,
    [property: Id(1)] int ConsecutiveFailures,
    [property: Id(2)] DateTimeOffset? LastSuccessOn,
    [property: Id(3)] DateTimeOffset? LastFailureOn,
    [property: Id(4)] string? LastError,
    [property: Id(5)] long PendingDeliveries)
{
    /// <summary>The health of a subscription that has made no attempt: a new value on every read, never one shared instance.</summary>
    public static SubscriptionHealth None => new(HealthState.Unknown, 0, null, null, null, 0);
}

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
}

/// <summary>What <c>RetryDeliveryAsync</c> did.</summary>
[GenerateSerializer, Immutable, Alias("es.DeliveryRetry")]
public sealed record DeliveryRetry(
    [property: Id(0)] SubscriptionOutcome Outcome,
    [property: Id(1)] string? PreviousState,
    [property: Id(2)] string? Detail);

public enum SubscriptionOutcome
{
    Ok,
    NotFound,

    /// <summary>The action does not apply to the current status.</summary>
    StatusConflict,
    CustomIdTaken,

    /// <summary>The subscription changed since the version the caller built its change from.</summary>
    VersionMismatch,
}

[GenerateSerializer, Immutable, Alias("es.SubscriptionResult")]
public sealed record SubscriptionResult(
    [property: Id(0)] SubscriptionOutcome Outcome,
    [property: Id(1)] SubscriptionView? View,
    [property: Id(2)] string? Detail)
{
    public static SubscriptionResult Ok(SubscriptionView view) => new(SubscriptionOutcome.Ok, view, null);

    public static SubscriptionResult Fail(SubscriptionOutcome outcome, string detail) => new(outcome, null, detail);
}
