using System.Text.Json;
using EventsSubscriptions.Grains.Interfaces.Text;
using Microsoft.Net.Http.Headers;

namespace EventsSubscriptions.Gateway.Apis;

/// <summary>
/// Reads a request body as JSON, answering 400, 413 or 415 problems for what cannot be read: not
/// JSON, not UTF-8, duplicate keys, too deep, or text that cannot be stored (a NUL character or a
/// lone surrogate anywhere, named by its path). Every body of the API comes through here.
/// </summary>
public static class JsonBody
{
    public const int MaxDepth = 32;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = MaxDepth, AllowDuplicateProperties = false };

    public static async Task<(JsonElement? Body, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, bool optional, CancellationToken cancellationToken)
    {
        var hasBody = request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
        if (!hasBody)
        {
            return optional ? (null, null) : (null, Problems.BadRequest("A JSON body is required."));
        }
        if (!request.HasJsonContentType())
        {
            return (null, Problems.UnsupportedMediaType(
                $"The body must be JSON: send it with Content-Type: application/json (this request said '{request.ContentType ?? "nothing"}')."));
        }
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) && mediaType.Charset.HasValue
            && HeaderUtilities.RemoveQuotes(mediaType.Charset) is var charset
            && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.UnsupportedMediaType(
                $"The body must be UTF-8 JSON; charset={mediaType.Charset} is not supported. Send it as UTF-8 (or leave the charset out)."));
        }
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, Options, cancellationToken);
            if (Unstorable(document.RootElement, "$") is { } refusal)
            {
                return (null, refusal);
            }
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException e)
        {
            return (null, Problems.BadRequest(NotJson(e)));
        }
        catch (InvalidOperationException)
        {
            // The duplicate-key check reads every key: one that is not text (a lone surrogate) throws there.
            return (null, Refuse("$", "has a key that is not valid text (invalid UTF-8, or a lone UTF-16 surrogate such as \\ud800)"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.PayloadTooLarge($"The body is larger than the limit of {request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes."));
        }
    }

    /// <summary>
    /// Runs an operation whose body is its request: the body is read (what cannot be read answered
    /// as by <see cref="ReadAsync"/>), <paramref name="read"/> makes the request of it (its errors
    /// answered as a validation problem), and only a request without errors reaches <paramref name="handle"/>.
    /// Every operation checks its body in this one order.
    /// </summary>
    public static async Task<Results<TAnswer, ValidationProblem, ProblemHttpResult>> HandleAsync<TRequest, TAnswer>(
        HttpRequest request, bool optional, Func<JsonElement?, (TRequest? Request, ValidationErrors Errors)> read,
        Func<TRequest, Task<Results<TAnswer, ValidationProblem, ProblemHttpResult>>> handle, CancellationToken cancellationToken)
        where TAnswer : IResult
    {
        var (body, problem) = await ReadAsync(request, optional, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var (value, errors) = read(body);
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        return await handle(value!);
    }

    /// <summary>The first string or key of the document that is not storable text, as a validation problem naming its path.</summary>
    private static ProblemHttpResult? Unstorable(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return Refuse(path, "has a key that is not valid UTF-8 or UTF-16 text");
                    }
                    if (StorableText.Problem(name) is { } keyProblem)
                    {
                        return Refuse(path, $"has a key that {keyProblem}");
                    }
                    var child = path == "$" ? name : $"{path}.{name}";
                    if (Unstorable(property.Value, child) is { } refused)
                    {
                        return refused;
                    }
                }
                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (Unstorable(item, $"{path}[{index++}]") is { } refused)
                    {
                        return refused;
                    }
                }
                return null;
            case JsonValueKind.String:
                string text;
                try
                {
                    text = element.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    return Refuse(path, "is not valid text (invalid UTF-8, or a lone UTF-16 surrogate such as \\ud800)");
                }
                return StorableText.Problem(text) is { } problem ? Refuse(path, problem) : null;
            case JsonValueKind.Number:
                // 1e400 is valid JSON, but most parsers (JavaScript, Python's float, .NET's double) read
                // it as Infinity or fail: refused rather than stored and sent as is.
                return element.TryGetDouble(out var number) && double.IsFinite(number)
                    ? null
                    : Refuse(path, "is a number beyond the range of a double-precision number (about ±1.8e308), which receivers' parsers read as Infinity or refuse");
            default:
                return null;
        }
    }

    private static ProblemHttpResult Refuse(string path, string problem)
    {
        var errors = new ValidationErrors();
        errors.Add(path, problem);
        return Problems.InvalidFields(errors);
    }

    /// <summary>
    /// Why a body is not JSON, and where: the parser's reason without its advice to the programmer
    /// ("Change the reader options") and with the place counted from 1.
    /// </summary>
    private static string NotJson(JsonException e)
    {
        var reason = e.Message;
        if (reason.IndexOf(" LineNumber:", StringComparison.Ordinal) is var cut and > 0)
        {
            reason = reason[..cut];
        }
        reason = reason.Replace(" Change the reader options.", "", StringComparison.Ordinal)
            .Replace(" which is not supported in this mode", "", StringComparison.Ordinal).Trim();
        var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
        return $"The body is not valid JSON{where}: {reason}";
    }
}
