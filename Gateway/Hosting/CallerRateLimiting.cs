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
                // A console session has a bucket apart from its link maker's own (the same limits):
                // a customer clicking around never spends the integration's requests.
                var console = Portal.PortalSession.IsSession(context.User) ? "console:" : "";
                return Bucket($"{Auth.TenantResolution.Of(context)}/{console}{caller}", rate, burst);
            }), PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                // A tenant with a rate of its own: one bucket for all its callers together.
                var tenant = Auth.TenantResolution.Of(context);
                return settings.ForTenant(tenant) is { RequestsPerSecond: { } rate } limits
                    ? Bucket($"tenant/{tenant}", rate, limits.Burst ?? Math.Max(1, (int)Math.Ceiling(rate)))
                    : RateLimitPartition.GetNoLimiter("tenants without a rate");
            }));
            o.OnRejected = async (context, cancellationToken) =>
            {
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : 1;
                context.HttpContext.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var caller = Caller(context.HttpContext);
                var tenant = Auth.TenantResolution.Of(context.HttpContext);
                var tenantRate = settings.ForTenant(tenant)?.RequestsPerSecond is { } shared
                    ? $", or tenant '{tenant}' more than its {shared:0.##} for all its callers together"
                    : "";
                await TypedResults.Problem(
                    $"Caller '{caller}' sent more than its {settings.For(caller).RequestsPerSecond:0.##} requests per second{tenantRate}; try again in {wait} s.",
                    statusCode: StatusCodes.Status429TooManyRequests, title: "Too Many Requests",
                    type: "https://tools.ietf.org/html/rfc6585#section-4").ExecuteAsync(context.HttpContext);
            };
        });

    /// <summary>A token bucket of <paramref name="burst"/> tokens refilled at <paramref name="rate"/> a second, in tenths of a second.</summary>
    private static RateLimitPartition<string> Bucket(string key, double rate, int burst) =>
        RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = Math.Max(1, (int)Math.Ceiling(rate / 10)),
            ReplenishmentPeriod = TimeSpan.FromSeconds(Math.Max(1, (int)Math.Ceiling(rate / 10)) / rate),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
}
