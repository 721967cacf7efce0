using System.Text.Json.Nodes;
using EventsSubscriptions.Grains.Interfaces.Webhooks;

namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>
/// The fields of a subscription request, defined once: the reader accepts exactly these, and the
/// gateway's OpenAPI document takes from here which are required, what each means and an example of each.
/// </summary>
public static class SubscriptionFields
{
    public static IReadOnlyList<SubscriptionField> All { get; } =
    [
        new("customId", true, "Your own id for the subscription, 1-64 characters; unique among subscriptions that are not archived.", "hr-sync-eu"),
        new("name", true, "What the subscription is for, 1-255 characters.", "HR sync"),
        new("events", true, "1-50 event names, entity:<resource>:<trigger>, all of one resource. Triggers: created, updated, deleted, or an action name.",
            new JsonArray("entity:employees:created", "entity:employees:updated")),
        new("contextFilters", true, "Which regions the events may come from: filters (1-100 tags context.region.<id> or context.*, includeChildren) and optional exclusions.",
            JsonNode.Parse("""{"filters": [{"tag": "context.*", "includeChildren": false}], "exclusions": []}""")!),
        new("userDefinedFilters", false, "TrackTik GET filters the entity must pass (all of them), e.g. {\"status\": \"active\", \"salary:gt\": 1000}.",
            JsonNode.Parse("""{"status": "active"}""")!),
        new("entityResponse", false, "Shapes the entity in the payload as fields= and include= shape a GET.",
            JsonNode.Parse("""{"fields": ["id", "firstName", "region"], "include": []}""")!),
        new("url", true, "Where the webhook is POSTed: an absolute https URL (http where allowed), at most 2048 characters.", "https://hooks.example.com/hr"),
        new("secretHeaderName", false, $"The header carrying the secret on every call (default {WebhookHeaders.DefaultSecretHeader}).", WebhookHeaders.DefaultSecretHeader),
        new("secretHeaderMode", false, "Extension: what that header carries. secret (default): the secret itself, as TrackTik sends it; hmac-sha512: the hex HMAC-SHA512 of the body (subscriptions made before this field keep it).",
            SecretHeaderModes.Secret),
        new("secret", true, "Sent in the secret header and signs every call (webhook-signature), 16-256 printable ASCII characters with no space at either end (or whsec_ and a base64 key). Write-only: never shown again.", "B2C60113ECB7-at-least-16-chars"),
        new("headers", false, "Extension: up to 10 more headers sent on every call, e.g. {\"X-Api-Key\": \"…\"} for a gateway in front of the receiver. Values (1-1024 printable ASCII characters) are write-only and stored encrypted; answers list the names (headerNames). Left out, a change keeps them; in a PATCH, a null value removes one and null removes all.",
            JsonNode.Parse("""{"X-Api-Key": "key-for-the-receivers-gateway"}""")!),
        new("failureEmail", false, "Told when a delivery is given up and when the subscription is suspended.", "ops@example.com"),
        new("language", false, "Sent as TTC-Language (default en-US): en-US, fr, es, de, nl, pt, sv, ro, zh-Hans, th.", "en-US"),
        new("delivery", false, "How calls are made: maxInFlight (1-64, default 8), timeoutSeconds (1-30, default 15), maxPerSecond (optional).",
            JsonNode.Parse("""{"maxInFlight": 8, "timeoutSeconds": 15}""")!),
    ];

    public static IReadOnlySet<string> Names { get; } = All.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// What the API's answers carry besides the request fields (the item's service fields, and the
    /// logs of <c>?include=logs</c>): a request may not set them.
    /// </summary>
    public static IReadOnlySet<string> ReadOnly { get; } = new HashSet<string>(
        ["id", "headerNames", "status", "statusReason", "lastTriggeredOn", "createdOn", "updatedOn", "uri", "resourceType", "health", "logs"], StringComparer.Ordinal);

    /// <summary>A request body that the API accepts as it stands (with a customId of its own each time it is used).</summary>
    public static JsonObject Example()
    {
        var body = new JsonObject();
        foreach (var field in All)
        {
            body[field.Name] = field.Example.DeepClone();
        }
        return body;
    }
}
