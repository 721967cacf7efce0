using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>
/// Schemas a generated client can use: real examples of the answers' main shapes (without them, a
/// reference page shows <c>"string"</c> everywhere); an entity (<c>JsonObject</c>) as an object of
/// any fields (a bare <c>"type": "object"</c> reads as "no field" to generators); and the
/// <c>data</c> of an answer as never null (a generic property loses its nullability otherwise).
/// </summary>
public sealed class ApiSchemaDescription : IOpenApiSchemaTransformer
{
    private static readonly Dictionary<Type, string> Examples = new()
    {
        [typeof(SubscriptionItem)] = """
            {"id": 12, "customId": "hr-sync-eu", "name": "HR sync, Europe", "events": ["entity:employees:created", "entity:employees:updated"],
             "contextFilters": {"filters": [{"tag": "context.region.3", "includeChildren": true}], "exclusions": []},
             "userDefinedFilters": {"status": "active"}, "entityResponse": null, "url": "https://hr.example.com/hooks/employees",
             "secretHeaderName": "TrackTik-Subscription-Secret", "secretHeaderMode": "secret", "headerNames": ["X-Api-Key"],
             "failureEmail": "integrations@example.com", "language": "en-US",
             "delivery": {"maxInFlight": 8, "timeoutSeconds": 15, "maxPerSecond": null},
             "status": "ACTIVE", "statusReason": null, "lastTriggeredOn": "2026-12-07T09:12:44.120Z",
             "createdOn": "2026-12-01T08:00:00.000Z", "updatedOn": "2026-12-01T08:00:00.000Z",
             "uri": "/rest/v1/events-subscriptions/12", "resourceType": "events-subscriptions",
             "health": {"state": "HEALTHY", "consecutiveFailures": 0, "lastSuccessOn": "2026-12-07T09:12:44.310Z", "lastFailureOn": null,
                        "lastError": null, "pendingDeliveries": 0},
             "backfill": null}
            """,
        [typeof(LogItem)] = """
            {"id": 5012, "eventsSubscription": 12,
             "eventData": {"event": "entity:employees:updated", "eventId": "01936f4e-8a2b-7c3d-9e4f-5a6b7c8d9e0f", "resource": "employees", "entityId": 7},
             "deliveryId": "12-01936f4e-8a2b-7c3d-9e4f-5a6b7c8d9e0f", "attempt": 2, "outcome": "RETRY_SCHEDULED", "statusCode": 503,
             "durationMs": 41, "error": "HTTP 503", "responseExcerpt": "Service Unavailable",
             "createdOn": "2026-12-07T09:12:44.120Z", "nextAttemptOn": "2026-12-07T09:17:44.120Z",
             "responseHeaders": "Retry-After: 300\nContent-Type: text/plain"}
            """,
        [typeof(ListMeta)] = """{"count": 240, "itemCount": 100, "limit": 100, "offset": 0}""",
        [typeof(BackfillItem)] = """
            {"status": "RUNNING", "startedOn": "2026-12-07T09:00:00.000Z", "finishedOn": null, "total": 10000, "entitiesRead": 4200,
             "queued": 3900, "deferred": 3, "skippedChanging": 0}
            """,
    };

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (Examples.TryGetValue(type, out var example))
        {
            schema.Examples = [JsonNode.Parse(example)!];
        }
        if (type == typeof(JsonObject))
        {
            schema.AdditionalProperties = new OpenApiSchema();
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// An answer always carries its <c>data</c>: in each <c>DataResponseOf…</c> schema, the reference
    /// alone, without the null branch a generic property gets. Made on the finished document (the
    /// null branch is added after the schema transformers).
    /// </summary>
    public static void DataNeverNull(OpenApiDocument document)
    {
        foreach (var (name, candidate) in document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>())
        {
            if (name.StartsWith("DataResponseOf", StringComparison.Ordinal) && candidate is OpenApiSchema schema
                && schema.Properties?.TryGetValue("data", out var data) == true
                && data is OpenApiSchema { OneOf: { Count: 2 } branches }
                && branches.FirstOrDefault(b => b is OpenApiSchemaReference) is { } reference)
            {
                schema.Properties["data"] = reference;
            }
        }
    }
}
