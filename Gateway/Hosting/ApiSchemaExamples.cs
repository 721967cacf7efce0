using System.Text.Json.Nodes;
using EventsSubscriptions.Gateway.Subscriptions;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>Real examples of the answers' main shapes (without them, a reference page shows <c>"string"</c> everywhere).</summary>
public sealed class ApiSchemaExamples : IOpenApiSchemaTransformer
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
             "createdOn": "2026-12-07T09:12:44.120Z", "nextAttemptOn": "2026-12-07T09:17:44.120Z"}
            """,
        [typeof(ListMeta)] = """{"count": 240, "itemCount": 100, "limit": 100, "offset": 0}""",
        [typeof(BackfillItem)] = """
            {"status": "RUNNING", "startedOn": "2026-12-07T09:00:00.000Z", "finishedOn": null, "total": 10000, "entitiesRead": 4200,
             "queued": 3900, "deferred": 3, "skippedChanging": 0}
            """,
    };

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (Examples.TryGetValue(context.JsonTypeInfo.Type, out var example))
        {
            schema.Examples = [JsonNode.Parse(example)!];
        }
        return Task.CompletedTask;
    }
}
