using EventsSubscriptions.Grains.Interfaces.Tenants;

namespace EventsSubscriptions.Gateway.Auth;

/// <summary>
/// Which tenant an authenticated request acts for: the token's <c>tenant</c> claim (the default
/// tenant when it names none), or, for a token with scope <c>admin</c> only, the tenant named by
/// the <c>X-Tenant</c> header. A token without a subject, or whose claim is not a tenant name, is a
/// 401; a header naming another tenant without <c>admin</c> is a 403. The tenant goes to every grain
/// call the request makes (Orleans' request context) and to the scope of what the gateway logs
/// meanwhile; a call that reaches another tenant's grain is answered as an unknown id.
/// </summary>
public sealed class TenantResolution(RequestDelegate next, ILogger<TenantResolution> logger)
{
    public const string Header = "X-Tenant";

    private const string ItemKey = "es.tenant";

    /// <summary>The tenant of the request (the default tenant for one without a token).</summary>
    public static string Of(HttpContext context) => context.Items[ItemKey] as string ?? Tenants.Default;

    public async Task InvokeAsync(HttpContext context)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            await next(context);
            return;
        }
        if (user.FindFirst("sub")?.Value is not { Length: > 0 })
        {
            await Refuse(context, StatusCodes.Status401Unauthorized, "The token names no subject ('sub' claim): every token must say who calls.");
            return;
        }
        var tenant = Tenants.Default;
        if (user.FindFirst("tenant")?.Value is { } claim)
        {
            if (!Tenants.Name().IsMatch(claim))
            {
                await Refuse(context, StatusCodes.Status401Unauthorized,
                    "The token's 'tenant' claim is not a tenant name: 1 to 63 characters of a-z, 0-9 and '-', starting with a letter or digit.");
                return;
            }
            tenant = claim;
        }
        if (context.Request.Headers.TryGetValue(Header, out var header))
        {
            var named = header.ToString();
            if (!Scopes.Held(user, Scopes.Admin))
            {
                if (named != tenant)
                {
                    await Refuse(context, StatusCodes.Status403Forbidden,
                        $"Only a token with scope '{Scopes.Admin}' may act for another tenant ({Header}); this token acts for its own tenant only.");
                    return;
                }
            }
            else if (!Tenants.Name().IsMatch(named))
            {
                await Refuse(context, StatusCodes.Status400BadRequest,
                    $"{Header} is not a tenant name: 1 to 63 characters of a-z, 0-9 and '-', starting with a letter or digit.");
                return;
            }
            tenant = named;
        }
        context.Items[ItemKey] = tenant;
        // What the gateway logs while serving the request names the tenant (a scope of the JSON logs).
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["Tenant"] = tenant });
        if (!context.Request.Path.StartsWithSegments("/rest"))
        {
            // The operators' pages (dashboard, metrics) look at every tenant's grains.
            await next(context);
            return;
        }
        RequestContext.Set(Tenants.ContextKey, tenant);
        try
        {
            await next(context);
        }
        catch (OtherTenantException) when (!context.Response.HasStarted)
        {
            // Word for word the answer to an id that does not exist.
            await SubscriptionProblems.UnknownId(context).ExecuteAsync(context);
        }
        finally
        {
            RequestContext.Remove(Tenants.ContextKey);
        }
    }

    private static Task Refuse(HttpContext context, int status, string detail) =>
        Results.Problem(detail: detail, statusCode: status).ExecuteAsync(context);
}
