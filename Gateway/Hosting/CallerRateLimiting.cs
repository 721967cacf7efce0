using System.Threading.RateLimiting;
using EventsSubscriptions.Gateway.Apis;
using Microsoft.AspNetCore.RateLimiting;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>
/// A token bucket per caller: the token's subject, or the client address for requests without a
/// valid token. Past it, 429 with Retry-After. Health probes are never limited.
/// </summary>
public static class CallerRateLimiting
{
    public static string Caller(HttpContext context) =>
        context.User.FindFirst("sub")?.Value is { Length: > 0 } subject
            ? subject
            : $"address:{context.Connection.RemoteIpAddress}";

    public static IServiceCollection AddCallerRateLimiting(this IServiceCollection services, GatewaySettings settings) =>
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.CreateChained(PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                if (context.Request.Path.StartsWithSegments("/healthz") || context.Request.Path.StartsWithSegments("/readyz"))
                {
                    return RateLimitPartition.GetNoLimiter("probes");
                }
                var caller = Caller(context);
                var (rate, burst, _) = settings.For(caller);
                // One bucket per caller of each tenant: a subject in one tenant never spends another's.
                return RateLimitPartition.GetTokenBucketLimiter($"{Auth.TenantResolution.Of(context)}/{caller}", _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = burst,
                    TokensPerPeriod = Math.Max(1, (int)Math.Ceiling(rate / 10)),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(Math.Max(1, (int)Math.Ceiling(rate / 10)) / rate),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            }), PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                // A tenant with a rate of its own: one bucket for all its callers together.
                var tenant = Auth.TenantResolution.Of(context);
                if (settings.ForTenant(tenant) is not { RequestsPerSecond: { } rate } limits)
                {
                    return RateLimitPartition.GetNoLimiter("tenants without a rate");
                }
                var burst = limits.Burst ?? Math.Max(1, (int)Math.Ceiling(rate));
                return RateLimitPartition.GetTokenBucketLimiter($"tenant/{tenant}", _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = burst,
                    TokensPerPeriod = Math.Max(1, (int)Math.Ceiling(rate / 10)),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(Math.Max(1, (int)Math.Ceiling(rate / 10)) / rate),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            }));
            o.OnRejected = async (context, cancellationToken) =>
            {
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : 1;
                context.HttpContext.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await TypedResults.Problem(
                    $"Caller '{Caller(context.HttpContext)}' sent more than its {settings.For(Caller(context.HttpContext)).RequestsPerSecond:0.##} requests per second; try again in {wait} s.",
                    statusCode: StatusCodes.Status429TooManyRequests, title: "Too Many Requests",
                    type: "https://tools.ietf.org/html/rfc6585#section-4").ExecuteAsync(context.HttpContext);
            };
        });
}
