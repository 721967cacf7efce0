using Orleans.Runtime;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>
/// A GET that failed because the silo it reached went away (killed, or leaving the cluster) is
/// tried again on a live one, twice at most, before anything was written to the response. Reads
/// are safe to repeat; writes are not retried (their caller sees the failure and decides).
/// </summary>
public sealed class IdempotentRetry(RequestDelegate next, ILogger<IdempotentRetry> logger)
{
    private static readonly TimeSpan[] Delays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)];

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await next(context);
                return;
            }
            catch (Exception e) when (attempt < Delays.Length && !context.Response.HasStarted && IsSiloLoss(e))
            {
                logger.LogInformation("GET {Path}: {Error}; trying again on a live silo", context.Request.Path, e.GetType().Name);
                await Task.Delay(Delays[attempt], context.RequestAborted);
            }
        }
    }

    private static bool IsSiloLoss(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException or TimeoutException
        || (e.InnerException is { } inner && IsSiloLoss(inner));
}
