using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using EventsSubscriptions.Gateway.Portal;
using Microsoft.IdentityModel.Tokens;

namespace EventsSubscriptions.Gateway.Auth;

public static class AuthExtensions
{
    public const string OperationsPolicy = "operations";

    /// <summary>JWT bearer authentication and the scope policies, with settings validated already (the development key refused outside Development).</summary>
    public static IServiceCollection AddGatewayAuth(this IServiceCollection services, AuthSettings settings)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = settings.Issuer,
                ValidAudience = settings.Audience,
                IssuerSigningKey = TokenIssuer.SigningKey(settings),
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                ClockSkew = TimeSpan.FromSeconds(30),
                NameClaimType = "sub",
            };
            o.Events = new JwtBearerEvents
            {
                // A console session (Portal/PortalSession) is a token of this issuer in a cookie,
                // read when the request has no Authorization header; a token from the cookie that
                // is not a session's is refused, so nothing but a session ever rides in it.
                OnMessageReceived = c =>
                {
                    var name = PortalSession.CookieName(c.HttpContext.RequestServices.GetRequiredService<IHostEnvironment>());
                    if (!c.Request.Headers.ContainsKey("Authorization") && c.Request.Cookies.TryGetValue(name, out var session))
                    {
                        c.Token = session;
                        c.HttpContext.Items[PortalSession.SessionClaim] = true;
                    }
                    return Task.CompletedTask;
                },
                OnTokenValidated = c =>
                {
                    if (c.HttpContext.Items.ContainsKey(PortalSession.SessionClaim) && !PortalSession.IsSession(c.Principal!))
                    {
                        c.Fail("The console cookie holds no console session.");
                    }
                    return Task.CompletedTask;
                },
            };
        });

        services.AddAuthorizationBuilder().AddScopePolicies().AddPolicy(OperationsPolicy, p =>
        {
            if (settings.ProtectOperations)
            {
                p.RequireAuthenticatedUser().RequireAssertion(c => HasScope(c.User, Scopes.Admin));
            }
            else
            {
                p.RequireAssertion(_ => true);
            }
        });
        return services;
    }

    private static AuthorizationBuilder AddScopePolicies(this AuthorizationBuilder builder)
    {
        foreach (var scope in Scopes.All)
        {
            builder.AddPolicy(scope, p => p.RequireAuthenticatedUser().RequireAssertion(c => HasScope(c.User, scope)));
        }
        return builder;
    }

    private static bool HasScope(System.Security.Claims.ClaimsPrincipal user, string scope) => Scopes.Held(user, scope);
}
