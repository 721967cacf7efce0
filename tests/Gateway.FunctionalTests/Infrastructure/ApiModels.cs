namespace EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;

// The answers of the API (docs/api.md) as the tests read them. Read with ApiJson.Options: every
// constructor parameter without a default must be in the JSON (null is written, absence is an error)
// and a non-nullable one must not be null, so a typed read checks what GetProperty(...) checked.
// What a test must see absent, or in its exact raw shape, stays on JsonElement.

/// <summary>The <c>{"data": …}</c> envelope of a single answer.</summary>
public sealed record DataAnswer<T>(T Data);

public sealed record ListMeta(long Count, int ItemCount, int Limit, int Offset);

/// <summary>A page of a list: the subscriptions, or a subscription's delivery log.</summary>
public sealed record ListPage<T>(ListMeta Meta, IReadOnlyList<T> Data);

public sealed record ContextFilterView(string Tag, bool IncludeChildren);

public sealed record ContextFiltersView(IReadOnlyList<ContextFilterView> Filters, IReadOnlyList<string> Exclusions);

public sealed record EntityResponseView(IReadOnlyList<string> Fields, IReadOnlyList<string> Include);

public sealed record DeliveryView(int MaxInFlight, int TimeoutSeconds, double? MaxPerSecond);

public sealed record HealthView(
    string State, int ConsecutiveFailures, DateTime? LastSuccessOn, DateTime? LastFailureOn, string? LastError, long PendingDeliveries);

/// <summary>A subscription as GET, POST, PUT, PATCH and the status actions render it; <c>logs</c> only with <c>?include=logs</c>.</summary>
public sealed record SubscriptionView(
    long Id,
    string CustomId,
    string Name,
    IReadOnlyList<string> Events,
    ContextFiltersView ContextFilters,
    JsonElement? UserDefinedFilters,
    EntityResponseView? EntityResponse,
    string Url,
    string SecretHeaderName,
    string SecretHeaderMode,
    IReadOnlyList<string> HeaderNames,
    string? FailureEmail,
    string Language,
    DeliveryView Delivery,
    string Status,
    string? StatusReason,
    DateTime? LastTriggeredOn,
    DateTime CreatedOn,
    DateTime UpdatedOn,
    string Uri,
    string ResourceType,
    HealthView Health,
    IReadOnlyList<LogEntryView>? Logs = null);

public sealed record LogEventDataView(string Event, string EventId, string Resource, long EntityId);

/// <summary>A delivery log entry: an item of <c>/logs</c>, and the answer of the <c>test</c> action.</summary>
public sealed record LogEntryView(
    long Id,
    long EventsSubscription,
    LogEventDataView EventData,
    string DeliveryId,
    int Attempt,
    string Outcome,
    int? StatusCode,
    int? DurationMs,
    string? Error,
    string? ResponseExcerpt,
    DateTime CreatedOn,
    DateTime? NextAttemptOn);

/// <summary>The answer of a delivery's <c>retry</c> action.</summary>
public sealed record RetryView(string EventId, string State, string PreviousState, string? Detail);

/// <summary>An RFC 9457 problem; <c>errors</c> (field → messages) on validation problems only.</summary>
public sealed record ProblemView(
    string Type, string Title, int Status, string? Detail = null, IReadOnlyDictionary<string, string[]>? Errors = null);

/// <summary>Of an entity the data API created, its id (the rest is what the entity was given).</summary>
public sealed record CreatedEntityView(long Id);

/// <summary>Of an entity of the data API, the region it is in.</summary>
public sealed record RegionalEntityView(long Region);

/// <summary>A region of the data API.</summary>
public sealed record RegionView(string Name, long? ParentRegion);

/// <summary>The answer of <c>/healthz</c>.</summary>
public sealed record LivenessView(string Status);

public sealed record CheckView(string Status, string? Detail = null);

/// <summary>The answer of <c>/readyz</c>: the verdict and each dependency's check.</summary>
public sealed record ReadinessView(string Status, IReadOnlyDictionary<string, CheckView> Checks);

public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>The element read as <typeparamref name="T"/>; a field missing or wrongly null fails the test.</summary>
    public static T As<T>(this JsonElement element) =>
        element.Deserialize<T>(Options) ?? throw new JsonException($"null where a {typeof(T).Name} was expected");

    /// <summary>The <c>data</c> of a <c>{"data": …}</c> answer.</summary>
    public static T Data<T>(this JsonElement answer) => answer.As<DataAnswer<T>>().Data;

    public static async Task<T> ReadAsAsync<T>(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonSerializer.Deserialize<T>(text, Options) ?? throw new JsonException($"null where a {typeof(T).Name} was expected: {text}");
    }

    public static async Task<T> ReadDataAsync<T>(this HttpResponseMessage response) => (await response.ReadAsAsync<DataAnswer<T>>()).Data;
}
