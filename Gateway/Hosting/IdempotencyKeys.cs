using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EventsSubscriptions.Gateway.Apis;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>
/// <c>Idempotency-Key</c> on any POST: the same key from the same caller of the same tenant within
/// 24 hours, with the same request (method, path, query and body), is answered with the first
/// answer (and <c>Idempotent-Replayed: true</c>) without acting again; with another request, a 422
/// naming the header; while the first is still being answered, a 409 to try again in a moment. An
/// answer of 500 or more is not kept (the key is released), so a retry after an outage acts.
/// </summary>
public sealed class IdempotencyKeys(RequestDelegate next, IdempotencyKeyStore store)
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>Answers larger than this are not kept: the key is released and a retry acts again.</summary>
    private const int MaxKeptBody = 1 << 20;

    /// <summary>The answer's headers a replay repeats.</summary>
    private static readonly string[] KeptHeaders = ["Content-Type", "Location", "X-Event-Id"];

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.Headers.TryGetValue(Header, out var values)
            || context.User.Identity?.IsAuthenticated != true)
        {
            await next(context);
            return;
        }
        var key = values.ToString();
        if (values.Count != 1 || key.Length is 0 or > 255 || !key.All(c => c is > ' ' and <= '~'))
        {
            await Refuse(context, StatusCodes.Status400BadRequest, "must be one key of 1-255 printable ASCII characters without spaces (a UUID, say)");
            return;
        }
        var tenant = TenantResolution.Of(context);
        var caller = context.User.FindFirst("sub")?.Value ?? "";
        var cancellation = context.RequestAborted;
        var claim = await store.ClaimAsync(tenant, caller, key, await HashAsync(context.Request, cancellation), cancellation);
        if (!claim.Claimed)
        {
            if (!claim.SameRequest)
            {
                await Refuse(context, StatusCodes.Status422UnprocessableEntity,
                    "was used with another request in the last 24 hours: a new request needs a new key");
            }
            else if (claim.Answer is not { } answer)
            {
                context.Response.Headers.RetryAfter = "1";
                await Refuse(context, StatusCodes.Status409Conflict, "names a request that is still being answered: try again in a moment");
            }
            else
            {
                await ReplayAsync(context, answer);
            }
            return;
        }

        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        catch
        {
            context.Response.Body = original;
            await store.ReleaseAsync(tenant, caller, key, CancellationToken.None);
            throw;
        }
        context.Response.Body = original;
        var status = context.Response.StatusCode;
        if (status >= 500 || buffer.Length > MaxKeptBody)
        {
            await store.ReleaseAsync(tenant, caller, key, CancellationToken.None);
        }
        else
        {
            var headers = KeptHeaders.Where(h => context.Response.Headers.ContainsKey(h))
                .ToDictionary(h => h, h => context.Response.Headers[h].ToString());
            await store.StoreAsync(tenant, caller, key, new StoredAnswer(status, JsonSerializer.Serialize(headers), buffer.ToArray()), CancellationToken.None);
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, cancellation);
    }

    private static async Task ReplayAsync(HttpContext context, StoredAnswer answer)
    {
        context.Response.StatusCode = answer.Status;
        foreach (var (name, value) in JsonSerializer.Deserialize<Dictionary<string, string>>(answer.Headers ?? "{}") ?? [])
        {
            context.Response.Headers[name] = value;
        }
        context.Response.Headers[ReplayedHeader] = "true";
        await context.Response.Body.WriteAsync(answer.Body, context.RequestAborted);
    }

    /// <summary>The request as the key stands for it: method, path and query, and the body's bytes.</summary>
    private static async Task<byte[]> HashAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        request.EnableBuffering();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        var chunk = new byte[16384];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            hash.AppendData(chunk, 0, read);
        }
        request.Body.Position = 0;
        return hash.GetHashAndReset();
    }

    private static Task Refuse(HttpContext context, int status, string message) =>
        TypedResults.Problem($"{Header} {message}.", statusCode: status,
            title: status == StatusCodes.Status409Conflict ? "Conflict" : "The Idempotency-Key header is not usable.",
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [Header] = [message] } })
        .ExecuteAsync(context);
}
