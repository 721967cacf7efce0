namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

public enum ListField
{
    Id,
    CustomId,
    Name,
    Status,
    CreatedOn,
    UpdatedOn,
    HealthState,
}

public enum ListOperator
{
    Equal,
    NotEqual,
    In,
    Contains,
    StartsWith,
    EndsWith,
    GreaterThan,
    GreaterOrEqual,
    LessThan,
    LessOrEqual,
}

[GenerateSerializer, Immutable, Alias("es.ListFilter")]
public sealed record ListFilter(
    [property: Id(0)] ListField Field,
    [property: Id(1)] ListOperator Operator,
    [property: Id(2)] string[] Values);

[GenerateSerializer, Immutable, Alias("es.ListSort")]
public sealed record ListSort([property: Id(0)] ListField Field, [property: Id(1)] bool Descending);

/// <summary>A validated listing request: filters (all must hold), sort keys, page.</summary>
[GenerateSerializer, Immutable, Alias("es.SubscriptionListQuery")]
public sealed record SubscriptionListQuery(
    [property: Id(0)] ListFilter[] Filters,
    [property: Id(1)] ListSort[] Sort,
    [property: Id(2)] int Limit,
    [property: Id(3)] int Offset,
    [property: Id(4)] bool IncludeInactive);

[GenerateSerializer, Immutable, Alias("es.SubscriptionPage")]
public sealed record SubscriptionPage(
    [property: Id(0)] long Count,
    [property: Id(1)] SubscriptionView[] Items);

/// <summary>Answers listings from the PostgreSQL read model; one per silo, no state.</summary>
[Alias("es.ISubscriptionQueryGrain")]
public interface ISubscriptionQueryGrain : IGrainWithIntegerKey
{
    [Alias("List")]
    Task<SubscriptionPage> ListAsync(SubscriptionListQuery query);

    /// <summary>How many subscriptions that are not archived <paramref name="caller"/> created (its quota).</summary>
    [Alias("CountLiveByCaller")]
    Task<long> CountLiveByCallerAsync(string caller);

    /// <summary>A subscription's deliveries, newest first, optionally of one state; without bodies.</summary>
    [Alias("Deliveries")]
    Task<DeliveryPage> DeliveriesAsync(long subscriptionId, string? state, int limit, int offset);

    /// <summary>One delivery with its body as sent, or null.</summary>
    [Alias("Delivery")]
    Task<DeliveryRecord?> DeliveryAsync(long subscriptionId, string eventId);

    /// <summary>The newest events of a resource that subscriptions queued (within a day), each with the subscriptions and the state of their delivery.</summary>
    [Alias("RecentEvents")]
    Task<RecentEvent[]> RecentEventsAsync(string resource, int limit);

    [Alias("Logs")]
    Task<DeliveryLogPage> LogsAsync(long subscriptionId, DeliveryLogQuery query);
}

/// <summary>A page of a subscription's delivery log, newest first, with optional filters.</summary>
[GenerateSerializer, Immutable, Alias("es.DeliveryLogQuery")]
public sealed record DeliveryLogQuery(
    [property: Id(0)] int Limit,
    [property: Id(1)] int Offset,
    [property: Id(2)] string? Outcome,
    [property: Id(3)] DateTimeOffset? Since,
    [property: Id(4)] DateTimeOffset? Until,
    [property: Id(5)] string? EventId);

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
    [property: Id(7)] string Outcome,
    [property: Id(8)] int? StatusCode,
    [property: Id(9)] int? DurationMs,
    [property: Id(10)] string? Error,
    [property: Id(11)] string? ResponseExcerpt,
    [property: Id(12)] DateTimeOffset CreatedOn,
    [property: Id(13)] DateTimeOffset? NextAttemptOn);

/// <summary>One queued delivery of a subscription: its state, and (when read alone) the body as sent.</summary>
[GenerateSerializer, Immutable, Alias("es.DeliveryRecord")]
public sealed record DeliveryRecord(
    [property: Id(0)] string EventId,
    [property: Id(1)] string EventName,
    [property: Id(2)] string EntityKey,
    [property: Id(3)] long EntitySequence,
    [property: Id(4)] string State,
    [property: Id(5)] int Attempts,
    [property: Id(6)] DateTimeOffset? NextAttemptOn,
    [property: Id(7)] DateTimeOffset CreatedOn,
    [property: Id(8)] string? Body);

[GenerateSerializer, Immutable, Alias("es.DeliveryPage")]
public sealed record DeliveryPage(
    [property: Id(0)] long Count,
    [property: Id(1)] DateTimeOffset? OldestPendingOn,
    [property: Id(2)] DeliveryRecord[] Items);

/// <summary>One event as the subscriptions queued it: for whom, and where each delivery stands.</summary>
[GenerateSerializer, Immutable, Alias("es.RecentEvent")]
public sealed record RecentEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] string EventName,
    [property: Id(2)] string EntityKey,
    [property: Id(3)] DateTimeOffset QueuedOn,
    [property: Id(4)] RecentDelivery[] Deliveries);

[GenerateSerializer, Immutable, Alias("es.RecentDelivery")]
public sealed record RecentDelivery([property: Id(0)] long SubscriptionId, [property: Id(1)] string State, [property: Id(2)] int Attempts);

[GenerateSerializer, Immutable, Alias("es.DeliveryLogPage")]
public sealed record DeliveryLogPage([property: Id(0)] long Count, [property: Id(1)] DeliveryLogEntry[] Entries);
