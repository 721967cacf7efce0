using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>
/// What each operation of the OpenAPI document needs and may answer, so that a generated client
/// and the reference page's "Test Request" work as they are: the bearer scheme on every operation
/// that needs a token (with its scopes in the description), none on public ones; 401/403, 404,
/// 429 and 503 where they can happen; the query parameters that handlers read themselves
/// (filters, paging, sorting); and placeholders such as <c>&lt;resource&gt;</c> kept visible.
/// </summary>
public sealed partial class ApiOperationDescription : IOpenApiOperationTransformer
{
    /// <summary>Query parameters of the operations that read their query string themselves, by operation id.</summary>
    private static readonly Dictionary<string, OpenApiParameter[]> QueryParameters = new(StringComparer.Ordinal)
    {
        ["ListSubscriptions"] =
        [
            Query("limit", "Items per page, 1-1000 (default 100).", JsonSchemaType.Integer, 100),
            Query("offset", "Items to skip (default 0).", JsonSchemaType.Integer, 0),
            Query("sort", "Fields, comma-separated, each ascending or -descending: id, customId, name, status, createdOn, updatedOn.", JsonSchemaType.String, "-createdOn"),
            Query("includeInactive", "true adds archived subscriptions.", JsonSchemaType.Boolean, true),
            Query("status", "A filter: field=value; also field:not=, field:in=a,b, field:contains=, :startswith=, :endswith=, :gt= :gte= :lt= :lte= " +
                            "on id, customId, name, status, health.state, createdOn, updatedOn.", JsonSchemaType.String, "ACTIVE"),
            Query("health.state", "A filter on the health state (HEALTHY, FAILING, UNKNOWN), with the operators above.", JsonSchemaType.String, "FAILING"),
        ],
        ["GetSubscription"] = [Query("include", "logs adds the newest 100 log entries.", JsonSchemaType.String, "logs")],
        ["SubscriptionLogs"] =
        [
            Query("outcome", "SUCCEEDED, FAILED, RETRY_SCHEDULED, EXHAUSTED or CANCELLED.", JsonSchemaType.String, "FAILED"),
            Query("since", "Entries at or after this time (ISO 8601).", JsonSchemaType.String, "2026-12-01T00:00:00Z", "date-time"),
            Query("until", "Entries before this time (ISO 8601).", JsonSchemaType.String, "2026-12-02T00:00:00Z", "date-time"),
            Query("eventId", "The entries of one event's delivery.", JsonSchemaType.String, "01936f4e-8a2b-7c3d-9e4f-5a6b7c8d9e0f"),
            Query("limit", "Entries per page, 1-1000 (default 100).", JsonSchemaType.Integer, 100),
            Query("offset", "Entries to skip (default 0).", JsonSchemaType.Integer, 0),
        ],
        ["ListEntities"] =
        [
            Query("limit", "Entities per page, 1-1000 (default 100).", JsonSchemaType.Integer, 100),
            Query("offset", "Entities to skip (default 0).", JsonSchemaType.Integer, 0),
            Query("sort", "id or -id (default id).", JsonSchemaType.String, "-id"),
            Query("include", "Relations to render as the related entity, comma-separated (region, region.parentRegion…).", JsonSchemaType.String, "region"),
            Query("fields", "Fields to keep, comma-separated dotted paths, each optionally renamed (address.city:city).", JsonSchemaType.String, "id,name"),
            Query("status", "Any other parameter is a filter with the grammar of userDefinedFilters: field=value, field:not=, field:in=a,b, " +
                            "field:gt= (gte, lt, lte), field:contains=, field:isNull… (this one filters on a field named status).", JsonSchemaType.String, "active"),
        ],
        ["GetEntity"] =
        [
            Query("include", "Relations to render as the related entity, comma-separated.", JsonSchemaType.String, "region"),
            Query("fields", "Fields to keep, comma-separated dotted paths, each optionally renamed.", JsonSchemaType.String, "id,name"),
        ],
        ["PreviewSubscription"] = [Query("limit", "How many recent events to look at, 1-100 (default 20).", JsonSchemaType.Integer, 20)],
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var document = context.Document!;
        operation.Responses ??= new OpenApiResponses();
        var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct().ToList();
        var secured = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        if (secured)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
            if (policies.Count > 0)
            {
                operation.Description = $"{operation.Description}{(operation.Description is { Length: > 0 } ? "\n\n" : "")}" +
                                        $"Scopes: {string.Join(", ", policies.Select(p => $"`{p}`"))}.";
            }
            Problem(operation, document, "401", "No token, or a token that is expired or not signed by a trusted key.");
            Problem(operation, document, "403", "The token lacks a scope the operation needs (the detail names them).");
            // Rate limits are per caller: a request without a token has none.
            Problem(operation, document, "429", "Too many requests from this caller: wait for Retry-After (seconds).", retryAfter: true);
        }
        else
        {
            operation.Security = [];
        }
        if (context.Description.RelativePath?.Contains('{') == true)
        {
            Problem(operation, document, "404", "Nothing with that id (or the id of another tenant's).");
        }
        Problem(operation, document, "503", "The service is not ready, or an outage a retry may outlive.", retryAfter: false);
        if (operation.OperationId is { } id && QueryParameters.TryGetValue(id, out var parameters))
        {
            operation.Parameters ??= [];
            foreach (var parameter in parameters.Where(p => operation.Parameters.All(q => q.Name != p.Name)))
            {
                operation.Parameters.Add(parameter);
            }
        }
        operation.Summary = Visible(operation.Summary);
        operation.Description = Visible(operation.Description);
        foreach (var parameter in operation.Parameters ?? [])
        {
            if (parameter is OpenApiParameter concrete)
            {
                concrete.Description = Visible(concrete.Description);
            }
        }
        return Task.CompletedTask;
    }

    private static void Problem(OpenApiOperation operation, OpenApiDocument document, string status, string description, bool retryAfter = false)
    {
        if (operation.Responses!.ContainsKey(status))
        {
            return;
        }
        var response = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) },
            },
        };
        if (retryAfter)
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
            };
        }
        operation.Responses![status] = response;
    }

    private static OpenApiParameter Query(string name, string description, JsonSchemaType type, JsonNode example, string? format = null) => new()
    {
        Name = name,
        In = ParameterLocation.Query,
        Required = false,
        Description = description,
        Schema = new OpenApiSchema { Type = type, Format = format },
        Example = example,
    };

    /// <summary>
    /// Placeholders such as &lt;resource&gt; outside code spans, escaped: the reference page renders
    /// descriptions as Markdown, where they would be taken for HTML tags and vanish.
    /// </summary>
    internal static string? Visible(string? text) => text is null
        ? null
        : string.Concat(CodeSpans().Split(text).Select((part, i) => i % 2 == 1 ? part : part.Replace("<", "&lt;").Replace(">", "&gt;")));

    [GeneratedRegex("(`[^`]*`)")]
    private static partial Regex CodeSpans();
}
