using EventsSubscriptions.Gateway.Apis;

namespace EventsSubscriptions.Gateway.Portal;

/// <summary>
/// What a console session may not do that a token with the same scopes could: change anything
/// without the console's own header (a cross-site form cannot send it, on top of the SameSite
/// cookie), make console links, or, when its link named one subscription, reach any route but that
/// subscription's own and the event types, or change that subscription's configuration (which could
/// point it at any of the tenant's entities). Runs after the tenant is resolved; tokens pass untouched.
/// </summary>
public sealed class PortalSessionGuard(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var user = context.User;
        if (!PortalSession.IsSession(user) || !context.Request.Path.StartsWithSegments("/rest", out var rest))
        {
            await next(context);
            return;
        }
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method)
            && request.Headers[PortalSession.RequestHeader] != PortalSession.RequestHeaderValue)
        {
            await Problems.Forbidden($"A console session changes things from the console only (header {PortalSession.RequestHeader}: {PortalSession.RequestHeaderValue}).")
                .ExecuteAsync(context);
            return;
        }
        if (request.Path.StartsWithSegments(PortalApi.LinksPath))
        {
            await Problems.Forbidden("A console session cannot make console links: make them with the application's own token.").ExecuteAsync(context);
            return;
        }
        if (PortalSession.LimitedTo(user) is { } only)
        {
            if (!Reaches(rest.Value ?? "", request.Method, only))
            {
                await Problems.Forbidden($"This console session shows events subscription {only} alone.").ExecuteAsync(context);
                return;
            }
            if (HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method))
            {
                // Its events, filters and URL could export any entity of the tenant: not a one-subscription view's to change.
                await Problems.Forbidden($"A console session limited to subscription {only} cannot change its configuration (events, filters, URL): " +
                    "that needs a link to every subscription.").ExecuteAsync(context);
                return;
            }
        }
        await next(context);
    }

    /// <summary>Whether a path below <c>/rest</c> is the subscription's own (itself, its logs, deliveries and actions) or the event types.</summary>
    private static bool Reaches(string path, string method, long subscription)
    {
        if (path == "/v1/event-types")
        {
            return HttpMethods.IsGet(method);
        }
        const string prefix = "/v1/events-subscriptions/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = path[prefix.Length..];
        var slash = rest.IndexOf('/');
        var id = slash < 0 ? rest : rest[..slash];
        return SubscriptionId.TryParse(id, out var named) && named.Value == subscription;
    }
}
