using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using EventsSubscriptions.Gateway.Portal;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
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
            var provider = !string.IsNullOrEmpty(settings.Authority);
            if (provider)
            {
                // Its issuer and keys are added to the ones below from its discovery document; a
                // token naming a key not known yet makes it read again (no sooner than the refresh).
                o.Authority = settings.Authority;
                o.RequireHttpsMetadata = settings.RequireHttpsMetadata;
                o.RefreshOnIssuerKeyNotFound = true;
                // Keys the provider stopped publishing are refused once its keys are read again
                // (the handler's "last known good" keys would otherwise stay valid an hour).
                o.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                    $"{settings.Authority!.TrimEnd('/')}/.well-known/openid-configuration", new OpenIdConnectConfigurationRetriever(),
                    new HttpDocumentRetriever { RequireHttps = settings.RequireHttpsMetadata })
                {
                    RefreshInterval = TimeSpan.FromSeconds(settings.MetadataRefreshSeconds),
                    UseLastKnownGoodConfiguration = false,
                };
            }
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = settings.Issuer,
                ValidAudience = settings.Audience,
                IssuerSigningKeys = [TokenIssuer.SigningKey(settings), .. settings.PreviousSigningKeys.Select(k => new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(k)))],
                ValidAlgorithms = provider
                    ? [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
                        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512]
                    : [SecurityAlgorithms.HmacSha256],
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
