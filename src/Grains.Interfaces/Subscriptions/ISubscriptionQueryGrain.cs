namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

public enum ListField
{
    Id,
    CustomId,
    Name,
    Status,
    CreatedOn,
    UpdatedOn,
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
}
