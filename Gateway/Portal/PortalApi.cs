using System.Globalization;
using System.Text.Json;
using EventsSubscriptions.Gateway.Apis;
using EventsSubscriptions.Gateway.Hosting;
using EventsSubscriptions.Grains.Interfaces.Tenants;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EventsSubscriptions.Gateway.Portal;

/// <summary>
/// Console links: <c>POST /rest/v1/portal-links</c> makes a one-time URL that opens the console
/// signed in to the caller's tenant; the console redeems it with <c>POST /console/session</c>, which
/// answers a session cookie. The link's secret travels in the URL's fragment, which browsers never
/// send to a server, a proxy or a Referer: opening it runs the console, which posts it once (a
/// chat app's link preview that fetches the URL does not use it up).
/// </summary>
public static class PortalApi
{
    public const string LinksPath = "/rest/v1/portal-links";
    public const string SessionPath = "/console/session";

    /// <summary>The longest a link may stay unused.</summary>
    public const int MaxLinkSeconds = 3600;

    public sealed record PortalLinkRequest(bool? ReadOnly, long? SubscriptionId, int? ExpiresInSeconds);

    public sealed record PortalLink(string Url, DateTimeOffset ExpiresOn, string Tenant, bool ReadOnly, long? SubscriptionId,
        IReadOnlyList<string> Scopes, int SessionMinutes);

    public sealed record SessionView(string Tenant, string Subject, IReadOnlyList<string> Scopes, bool ReadOnly, long? SubscriptionId, DateTimeOffset ExpiresOn);

    public static IEndpointRouteBuilder MapPortalApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(LinksPath, CreateLinkAsync).RequireAuthorization(Scopes.SubscriptionsWrite)
            .WithTags("Console links")
            .WithName("CreatePortalLink")
            .WithSummary("Make a one-time link that opens the console signed in to this tenant.")
            .WithDescription("Body (every field optional): readOnly (the console can look but not change), subscriptionId (the console " +
                             $"shows that subscription alone), expiresInSeconds (1 to {MaxLinkSeconds}, default {MaxLinkSeconds}). The link works once, " +
                             "before it expires; the session it opens lasts Gateway:PortalSessionMinutes and carries the caller's " +
                             "subscriptions:read, subscriptions:write (unless readOnly) and entities:read, of those the caller holds.")
            .Accepts<PortalLinkRequest>("application/json")
            .Produces<DataResponse<PortalLink>>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        var session = app.MapGroup(SessionPath).ExcludeFromDescription();
        session.MapPost("", RedeemAsync).AllowAnonymous();
        session.MapGet("", (HttpContext context) => PortalSession.IsSession(context.User)
                ? Results.Ok(new DataResponse<SessionView>(ViewOf(context)))
                : NoSession())
            .AllowAnonymous();
        session.MapDelete("", (HttpContext context, IHostEnvironment environment) =>
            {
                context.Response.Cookies.Delete(PortalSession.CookieName(environment), PortalSession.Cookie(environment, DateTimeOffset.UnixEpoch));
                return Results.NoContent();
            })
            .AllowAnonymous();
        return app;
    }

    private static async Task<Results<Created<DataResponse<PortalLink>>, ValidationProblem, ProblemHttpResult>> CreateLinkAsync(
        HttpContext context, [FromServices] IClusterClient grains, [FromServices] PortalLinkStore links, [FromServices] GatewaySettings settings,
        [FromServices] IHostEnvironment environment, CancellationToken cancellationToken)
    {
        if (!settings.Console)
        {
            return Problems.Conflict("This gateway does not serve the console (Gateway:Console is false): a link would open nothing.");
        }
        if (settings.PublicUrl is not { Length: > 0 } && !environment.IsDevelopment())
        {
            // Else the link would name whatever Host the request carried, http behind a TLS proxy.
            return Problems.Conflict("Set Gateway:PublicUrl (the https address browsers reach this gateway at) to make console links outside Development.");
        }
        var (body, problem) = await JsonBody.ReadAsync(context.Request, optional: true, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var (request, errors) = Read(body);
        if (request is null)
        {
            return Problems.Validation(errors);
        }
        if (request.SubscriptionId is { } id)
        {
            var text = id.ToString(CultureInfo.InvariantCulture);
            try
            {
                if (await grains.GetGrain<ISubscriptionGrain>(id).GetAsync() is null)
                {
                    return SubscriptionProblems.UnknownId(text);
                }
            }
            catch (OtherTenantException)
            {
                // Word for word the answer to an id no subscription has.
                return SubscriptionProblems.UnknownId(text);
            }
        }
        var readOnly = request.ReadOnly ?? false;
        var makerExpires = long.TryParse(context.User.FindFirst("exp")?.Value, CultureInfo.InvariantCulture, out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp) : DateTimeOffset.UtcNow.AddHours(1);
        var grant = new PortalGrant(TenantResolution.Of(context), context.User.FindFirst("sub")!.Value,
            PortalSession.ScopesOf(context.User, readOnly), request.SubscriptionId, readOnly, makerExpires);
        var (secret, expiresOn) = await links.IssueAsync(grant, TimeSpan.FromSeconds(request.ExpiresInSeconds ?? MaxLinkSeconds), cancellationToken);
        var url = $"{PublicBase(context, settings)}/console/#portal={secret}";
        return TypedResults.Created((string?)null, new DataResponse<PortalLink>(
            new PortalLink(url, expiresOn, grant.Tenant, readOnly, request.SubscriptionId, grant.Scopes, settings.PortalSessionMinutes)));
    }

    /// <summary>Exchanges a link's secret for a session cookie, once.</summary>
    private static async Task<IResult> RedeemAsync(HttpContext context, [FromServices] PortalLinkStore links, [FromServices] IOptions<AuthSettings> auth,
        [FromServices] GatewaySettings settings, [FromServices] IHostEnvironment environment, CancellationToken cancellationToken)
    {
        if (context.Request.Headers[PortalSession.RequestHeader] != PortalSession.RequestHeaderValue)
        {
            return Problems.Forbidden($"A console link is redeemed by the console itself (header {PortalSession.RequestHeader}: {PortalSession.RequestHeaderValue}).");
        }
        var (body, problem) = await JsonBody.ReadAsync(context.Request, optional: false, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (body is not { ValueKind: JsonValueKind.Object } value || !value.TryGetProperty("link", out var link) || link.ValueKind != JsonValueKind.String)
        {
            var errors = new ValidationErrors();
            errors.Add("link", "is required: the text after '#portal=' in the link");
            return Problems.Validation(errors);
        }
        var redemption = await links.RedeemAsync(link.GetString()!, cancellationToken);
        if (redemption.Grant is not { } grant)
        {
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                detail: redemption.Expired
                    ? "This console link has expired: ask the application that gave it to you for a new one."
                    : "This console link is not valid: it was used already (a link signs in once) or never existed. Ask for a new one.");
        }
        // No longer than the maker's own token: a session never outlives the right that made it.
        var expires = Min(DateTimeOffset.UtcNow.AddMinutes(settings.PortalSessionMinutes), grant.MakerExpiresOn);
        var lifetime = expires - DateTimeOffset.UtcNow;
        if (lifetime <= TimeSpan.Zero)
        {
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                detail: "This console link has expired: ask the application that gave it to you for a new one.");
        }
        context.Response.Cookies.Append(PortalSession.CookieName(environment), PortalSession.Issue(auth.Value, grant, lifetime),
            PortalSession.Cookie(environment, expires));
        context.Response.Headers.CacheControl = "no-store";
        return Results.Ok(new DataResponse<SessionView>(new SessionView(grant.Tenant, grant.CreatedBy, grant.Scopes, grant.ReadOnly, grant.SubscriptionId, expires)));
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static SessionView ViewOf(HttpContext context)
    {
        var user = context.User;
        var expires = long.TryParse(user.FindFirst("exp")?.Value, CultureInfo.InvariantCulture, out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp) : DateTimeOffset.UtcNow;
        return new SessionView(TenantResolution.Of(context), user.FindFirst("sub")!.Value,
            [.. user.FindAll("scope").SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))],
            !Scopes.Held(user, Scopes.SubscriptionsWrite), PortalSession.LimitedTo(user), expires);
    }

    private static IResult NoSession() => Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
        detail: "No console session: open a link made by POST /rest/v1/portal-links, or sign in with a token.");

    /// <summary>Where the link points: <c>Gateway:PublicUrl</c> when set (behind a proxy), else the address this request reached.</summary>
    private static string PublicBase(HttpContext context, GatewaySettings settings) =>
        settings.PublicUrl is { Length: > 0 } configured ? configured.TrimEnd('/') : $"{context.Request.Scheme}://{context.Request.Host}";

    /// <summary>The body, field by field: every error at once, unknown fields refused. No body at all is every default.</summary>
    public static (PortalLinkRequest? Request, ValidationErrors Errors) Read(JsonElement? body)
    {
        var errors = new ValidationErrors();
        bool? readOnly = null;
        long? subscriptionId = null;
        int? expiresIn = null;
        if (body is { } value)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                errors.Add("$", "the body must be a JSON object {readOnly, subscriptionId, expiresInSeconds}");
                return (null, errors);
            }
            foreach (var property in value.EnumerateObject())
            {
                var field = property.Value;
                switch (property.Name)
                {
                    case "readOnly" when field.ValueKind is JsonValueKind.True or JsonValueKind.False:
                        readOnly = field.GetBoolean();
                        break;
                    case "readOnly":
                        errors.Add("readOnly", "must be true or false");
                        break;
                    case "subscriptionId" when field.ValueKind == JsonValueKind.Number && field.TryGetInt64(out var id) && id > 0:
                        subscriptionId = id;
                        break;
                    case "subscriptionId" when field.ValueKind == JsonValueKind.Null:
                        break;
                    case "subscriptionId":
                        errors.Add("subscriptionId", "must be the id of an events subscription (a positive integer), or null for all of them");
                        break;
                    case "expiresInSeconds" when field.ValueKind == JsonValueKind.Number && field.TryGetInt32(out var seconds) && seconds is >= 1 and <= MaxLinkSeconds:
                        expiresIn = seconds;
                        break;
                    case "expiresInSeconds":
                        errors.Add("expiresInSeconds", $"must be a whole number of seconds from 1 to {MaxLinkSeconds} (a link is valid an hour at most)");
                        break;
                    default:
                        errors.Add(property.Name, "is not a field of a console link (readOnly, subscriptionId, expiresInSeconds)");
                        break;
                }
            }
        }
        return errors.Any ? (null, errors) : (new PortalLinkRequest(readOnly, subscriptionId, expiresIn), errors);
    }
}
