using EventsSubscriptions.Grains.Interfaces.Text;
using System.ComponentModel;
using System.Text.Json;
using EventsSubscriptions.Grains.Interfaces.Entities;

namespace EventsSubscriptions.Gateway.Subscriptions;

// The HTTP shapes of API.md. They are built from grain views and never sent to a grain.

public sealed record DataResponse<T>(T Data)
{
    /// <summary>What was accepted but may not be meant (a scope naming a region that does not exist); absent when none.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Warnings { get; init; }
}

public sealed record ListMeta(long Count, int ItemCount, int Limit, int Offset);

public sealed record ListResponse<T>(ListMeta Meta, IReadOnlyList<T> Data);

public sealed record ContextFilterItem(string Tag, bool IncludeChildren);

public sealed record ContextFiltersItem(IReadOnlyList<ContextFilterItem> Filters, IReadOnlyList<string> Exclusions);

public sealed record EntityResponseItem(IReadOnlyList<string> Fields, IReadOnlyList<string> Include);

public sealed record DeliveryItem(int MaxInFlight, int TimeoutSeconds, double? MaxPerSecond);

public sealed record HealthItem(
    string State, int ConsecutiveFailures, DateTime? LastSuccessOn, DateTime? LastFailureOn, string? LastError, long PendingDeliveries);

/// <summary>An events subscription as the API renders it: every request field but the secret, and what the service adds.</summary>
public sealed record SubscriptionItem(
    long Id,
    string CustomId,
    string Name,
    IReadOnlyList<string> Events,
    ContextFiltersItem ContextFilters,
    JsonElement? UserDefinedFilters,
    EntityResponseItem? EntityResponse,
    string Url,
    string SecretHeaderName,
    string SecretHeaderMode,
    IReadOnlyList<string> HeaderNames,
    string? FailureEmail,
    string Language,
    DeliveryItem Delivery,
    string Status,
    string? StatusReason,
    DateTime? LastTriggeredOn,
    DateTime CreatedOn,
    DateTime UpdatedOn,
    string Uri,
    string ResourceType,
    HealthItem Health,
    BackfillItem? Backfill)
{
    public const string BasePath = "/rest/v1/events-subscriptions";

    public static SubscriptionItem From(SubscriptionView view)
    {
        var spec = view.Spec;
        return new SubscriptionItem(
            view.Id,
            spec.CustomId,
            spec.Name,
            spec.Events,
            new ContextFiltersItem(
                [.. spec.ContextFilters.Filters.Select(f => new ContextFilterItem(f.Tag, f.IncludeChildren))],
                [.. spec.ContextFilters.Exclusions.Select(r => $"{ScopeFilter.RegionTagPrefix}{r}")]),
            spec.UserDefinedFilters is { } filters ? JsonDocument.Parse(filters.Json).RootElement.Clone() : null,
            spec.EntityResponse is { } shape ? new EntityResponseItem(shape.Fields, shape.Include) : null,
            spec.Url,
            spec.SecretHeaderName,
            WireText.Of(spec.HeaderMode),
            spec.HeaderNames,
            spec.FailureEmail,
            spec.Language,
            new DeliveryItem(spec.Delivery.MaxInFlight, spec.Delivery.TimeoutSeconds, spec.Delivery.MaxPerSecond),
            WireText.Of(view.Status),
            view.StatusReason,
            view.LastTriggeredOn?.UtcDateTime,
            view.CreatedOn.UtcDateTime,
            view.UpdatedOn.UtcDateTime,
            $"{BasePath}/{view.Id}",
            "events-subscriptions",
            new HealthItem(WireText.Of(view.Health.State), view.Health.ConsecutiveFailures, view.Health.LastSuccessOn?.UtcDateTime,
                view.Health.LastFailureOn?.UtcDateTime, view.Health.LastError, view.Health.PendingDeliveries),
            view.Backfill is { } backfill ? BackfillItem.From(backfill) : null);
    }

}

/// <summary>A subscription's last backfill: its state and how far it got.</summary>
public sealed record BackfillItem(
    [property: Description("RUNNING, COMPLETED or CANCELLED.")] string Status,
    DateTime StartedOn,
    DateTime? FinishedOn,
    [property: Description("How many entities the resource held when it started.")] long Total,
    [property: Description("How many entities were read so far, in id order.")] long EntitiesRead,
    [property: Description("How many entity:<resource>:backfill events were queued (the entities the scope and filters selected).")] long Queued,
    [property: Description("Entities that changed while read, to be read again at the end.")] long Deferred,
    [property: Description("Entities left out after 10 passes because they kept changing (their live events carry their state).")]
    long SkippedChanging)
{
    public static BackfillItem From(BackfillProgress progress) => new(
        WireText.Of(progress.Status), progress.StartedOn.UtcDateTime, progress.FinishedOn?.UtcDateTime, progress.Total,
        progress.EntitiesRead, progress.Queued, progress.Deferred.Length + progress.DeferredNext.Length, progress.SkippedChanging);
}

/// <summary>The body of create and PUT (documentation of the schema; bodies are read field by field).</summary>
public sealed record SubscriptionRequest(
    string CustomId,
    string Name,
    IReadOnlyList<string> Events,
    ContextFiltersItem ContextFilters,
    Dictionary<string, JsonElement>? UserDefinedFilters,
    EntityResponseItem? EntityResponse,
    string Url,
    string? SecretHeaderName,
    string? SecretHeaderMode,
    Dictionary<string, string>? Headers,
    string Secret,
    string? FailureEmail,
    string? Language,
    DeliveryItem? Delivery);

/// <summary>The body of <c>suspend</c>.</summary>
public sealed record SuspendRequest(
    [property: Description("Why, 1-255 characters; shown as statusReason.")] string Reason);

/// <summary>The body of <c>archive</c>, which may be left out.</summary>
public sealed record ArchiveRequest(
    [property: Description("Why, 1-255 characters; shown as statusReason.")] string? Reason = null);

/// <summary>The body of <c>replay</c>: the window (ISO 8601) and whether to send only the deliveries that were given up.</summary>
public sealed record ReplayRequest(
    [property: Description("Start of the window: what was queued from then on (yyyy-MM-dd or ISO 8601).")] DateTimeOffset Since,
    [property: Description("End of the window, after since; none: up to now.")] DateTimeOffset? Until = null,
    [property: Description("Only the deliveries that were given up (EXHAUSTED); default false.")] bool? OnlyFailed = null);

public sealed record LogEventData(string Event, string EventId, string Resource, long EntityId);

/// <summary>A delivery log entry as the API renders it.</summary>
public sealed record LogItem(
    long Id,
    long EventsSubscription,
    LogEventData EventData,
    string DeliveryId,
    int Attempt,
    string Outcome,
    int? StatusCode,
    int? DurationMs,
    string? Error,
    string? ResponseExcerpt,
    DateTime CreatedOn,
    DateTime? NextAttemptOn,
    [property: Description("The headers of a failed attempt's answer, \"Name: value\" lines (2,048 characters at most); null for a success.")]
    string? ResponseHeaders)
{
    public static LogItem From(DeliveryLogEntry entry)
    {
        var entity = EntityKey.Parse(entry.EntityKey);
        return new LogItem(entry.Id, entry.SubscriptionId,
            new LogEventData(entry.EventName, entry.EventId, entity.Resource, entity.Id),
            entry.DeliveryId, entry.Attempt, WireText.Of(entry.Outcome), entry.StatusCode, entry.DurationMs, entry.Error, entry.ResponseExcerpt,
            entry.CreatedOn.UtcDateTime, entry.NextAttemptOn?.UtcDateTime, entry.ResponseHeaders);
    }
}
