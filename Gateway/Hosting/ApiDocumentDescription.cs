using EventsSubscriptions.Grains.Interfaces.Webhooks;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>
/// Title, description and the bearer scheme of the OpenAPI document; the subscription body's
/// required fields, descriptions and examples (from <see cref="SubscriptionFields"/>, the table the
/// reader validates with); and the webhook itself, in the OpenAPI 3.1 <c>webhooks</c> section.
/// </summary>
public sealed class ApiDocumentDescription : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Events Subscriptions",
            Version = "v1",
            Description = "Webhook call-outs for entity events, compatible with TrackTik's Events Subscriptions API. " +
                          "Authenticate with `Authorization: Bearer <JWT>`; scopes: subscriptions:read, " +
                          "subscriptions:write, entities:read, entities:write. Tenants: the token's `tenant` claim names the customer " +
                          "it acts for (none: `default`); everything is that tenant's own, and another tenant's ids answer 404. " +
                          "A token with scope `admin` may act for another tenant with the header `X-Tenant: <name>`. " +
                          "Customers reach their own console through one-time links (POST /rest/v1/portal-links). " +
                          "The webhook the service sends is under Webhooks.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
        };
        if (document.Components.Schemas?.TryGetValue(nameof(SubscriptionRequest), out var request) == true && request is OpenApiSchema body)
        {
            Describe(body);
        }
        DeclareIdempotencyKeys(document);
        ApiSchemaDescription.DataNeverNull(document);
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        document.Webhooks["entityEvent"] = Webhook();
        return Task.CompletedTask;
    }

    /// <summary>Every POST takes an optional <c>Idempotency-Key</c> (docs/api.md).</summary>
    private static void DeclareIdempotencyKeys(OpenApiDocument document)
    {
        foreach (var item in document.Paths.Values)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                if (method != HttpMethod.Post)
                {
                    continue;
                }
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = IdempotencyKeys.Header,
                    In = ParameterLocation.Header,
                    Required = false,
                    Description = "Makes the POST safe to repeat: the same key (1-255 printable ASCII characters, a UUID say) from the same " +
                                  "caller within 24 hours answers the first answer (Idempotent-Replayed: true) without acting again; " +
                                  "with another request, a 422.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 },
                });
            }
        }
    }

    private static void Describe(OpenApiSchema body)
    {
        body.Required = SubscriptionFields.All.Where(f => f.Required).Select(f => f.Name).ToHashSet();
        body.Examples = [SubscriptionFields.Example()];
        body.Description = "An events subscription as created or replaced (PUT). Unknown and read-only fields are refused.";
        foreach (var field in SubscriptionFields.All)
        {
            if (body.Properties?.TryGetValue(field.Name, out var property) != true)
            {
                continue;
            }
            switch (property)
            {
                case OpenApiSchema schema:
                    schema.Description = field.Description;
                    schema.Examples = [field.Example.DeepClone()];
                    break;
                case OpenApiSchemaReference reference:
                    reference.Description = field.Description;
                    break;
            }
        }
    }

    private static OpenApiPathItem Webhook()
    {
        static OpenApiParameter Header(string name, string description) => new()
        {
            Name = name,
            In = ParameterLocation.Header,
            Required = true,
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        };
        var meta = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["event"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "entity:<resource>:<trigger>" },
                ["eventId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The event's id (a version 7 UUID)" },
                ["subscription"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Description = "The subscription's id" },
                ["customId"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["occurredOn"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
                ["language"] = new OpenApiSchema { Type = JsonSchemaType.String },
            },
        };
        var payload = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["meta"] = meta,
                ["data"] = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "The entity as GET /rest/v1/{resource}/{id} renders it, shaped by entityResponse" },
            },
            Examples = [JsonNode.Parse("""
                {"meta": {"event": "entity:employees:created", "eventId": "01936f4e-8a2b-7c3d-9e4f-5a6b7c8d9e0f", "subscription": 12,
                          "customId": "hr-sync-eu", "occurredOn": "2026-11-28T22:00:00.000Z", "language": "en-US"},
                 "data": {"id": 7, "firstName": "Ada", "lastName": "Lovelace", "region": 3}}
                """)!],
        };
        var operation = new OpenApiOperation
        {
            Summary = "The webhook call the service makes",
            Description = "POSTed to the subscription's url for every matching event; the body is byte-identical on every retry. " +
                          "Answer 2xx to accept it. 410 suspends the subscription; 429 and 503 may carry Retry-After; anything else, " +
                          "a timeout or a connection error is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (±20 %), then given up. " +
                          "Verify a signature over the raw body before parsing it, refuse a webhook-timestamp more than 5 minutes away, " +
                          "and de-duplicate on webhook-id (delivery is at least once).",
            Parameters =
            [
                Header(WebhookHeaders.DefaultSecretHeader, "Named by the subscription's secretHeaderName: the secret itself (secretHeaderMode secret, the default, " +
                    "as TrackTik sends it), or lowercase hex HMAC-SHA512 of the raw body keyed with the secret's UTF-8 bytes (hmac-sha512, subscriptions made before modes)."),
                Header(WebhookHeaders.Id, "<subscription>-<eventId>: the same on every retry of a delivery."),
                Header(WebhookHeaders.Timestamp, "Unix seconds of this attempt."),
                Header(WebhookHeaders.Signature, "v1,<base64 HMAC-SHA256 of \"{webhook-id}.{webhook-timestamp}.\" followed by the raw body>, keyed with the base64-decoded rest of a whsec_ secret, else the secret's UTF-8 bytes; two space-separated signatures for 24 h after the secret changes."),
                Header(WebhookHeaders.Language, "The subscription's language."),
            ],
            RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = payload } },
            },
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse { Description = "Any 2xx: delivered." },
                ["410"] = new OpenApiResponse { Description = "Gone: the subscription is suspended until enabled." },
            },
        };
        return new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Post] = operation } };
    }
}
