using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>Title, description and the bearer scheme of the OpenAPI document.</summary>
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
                          "subscriptions:write, entities:read, entities:write.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
        };
        return Task.CompletedTask;
    }
}
