using System.Text.Json;

namespace EventsSubscriptions.Gateway.Apis;

/// <summary>Reads a request body as JSON, answering 400, 413 or 415 problems for what cannot be read.</summary>
public static class JsonBody
{
    public const int MaxDepth = 32;

    public static async Task<(JsonElement? Body, IResult? Problem)> ReadAsync(HttpRequest request, bool optional, CancellationToken cancellationToken)
    {
        var hasBody = request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
        if (!hasBody)
        {
            return optional ? (null, null) : (null, Problems.BadRequest("A JSON body is required."));
        }
        if (!request.HasJsonContentType())
        {
            return (null, Problems.UnsupportedMediaType("The body must be JSON (Content-Type: application/json)."));
        }
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = MaxDepth }, cancellationToken);
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException e)
        {
            return (null, Problems.BadRequest($"The body is not valid JSON: {e.Message}"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.PayloadTooLarge($"The body is larger than the limit of {request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes."));
        }
    }
}
