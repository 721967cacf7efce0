using EventsSubscriptions.Grains.Interfaces.Entities;
using Orleans.Runtime;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>
/// A request that failed because the silo it reached went away (killed, or leaving the cluster) is
/// tried again on a live one, twice at most, when that is safe and nothing was written to the
/// response yet: GET, PUT and PATCH (a JSON merge patch applied twice gives the same result) after
/// any loss of the silo; any method, POST and DELETE included, when Orleans rejected the call
/// before it ran. A POST that may have run is not repeated (it could create twice), nor a DELETE
/// (its repeat would answer 404 for what it did delete). An entity change tried again while its
/// first attempt is still under way is applied once (<see cref="RepeatedCall"/>).
/// </summary>
public sealed class IdempotentRetry(RequestDelegate next, ILogger<IdempotentRetry> logger)
{
    /// <summary>
    /// Half a second: a call that timed out has waited <c>Gateway__GrainCallTimeoutSeconds</c> already,
    /// by then the cluster has declared a lost silo dead (2 s by default), and within half a second
    /// the gateway has read that from the membership and stopped sending through that silo.
    /// </summary>
    private static readonly TimeSpan[] Delays = [TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500)];

    public async Task InvokeAsync(HttpContext context)
    {
        var method = context.Request.Method;
        var idempotent = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method);
        // The body is kept (up to the 1-MiB request limit) so that a retry can read it again.
        context.Request.EnableBuffering();
        if (!HttpMethods.IsPut(method) && !HttpMethods.IsPatch(method))
        {
            await TryAsync(context, method, idempotent);
            return;
        }
        // The only changes repeated after a timeout: every attempt names the request, and an entity
        // grain answers a repeat of the change it applied.
        RequestContext.Set(RepeatedCall.ContextKey, Guid.NewGuid().ToString("N"));
        try
        {
            await TryAsync(context, method, idempotent);
        }
        finally
        {
            RequestContext.Remove(RepeatedCall.ContextKey);
        }
    }

    private async Task TryAsync(HttpContext context, string method, bool idempotent)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await next(context);
                return;
            }
            catch (Exception e) when (attempt < Delays.Length && !context.Response.HasStarted
                                      && (IsRejection(e) || (idempotent && IsSiloLoss(e))))
            {
                logger.RetryingOnLiveSilo(method, context.Request.Path.ToString(), e.GetType().Name);
                await Task.Delay(Delays[attempt], context.RequestAborted);
                context.Request.Body.Position = 0;
            }
        }
    }

    /// <summary>Orleans refused the call before it ran (the silo was stopping, the activation moving).</summary>
    private static bool IsRejection(Exception e) =>
        e is OrleansMessageRejectionException || (e.InnerException is { } inner && IsRejection(inner));

    private static bool IsSiloLoss(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException or TimeoutException
        || (e.InnerException is { } inner && IsSiloLoss(inner));
}
