using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// An operator's identity provider, as far as the gateway sees one: an OpenID Connect discovery
/// document and a JWKS on loopback, RS256 tokens signed with the key the JWKS publishes, and a key
/// rollover (<see cref="RotateKey"/>: the JWKS then holds the new key alone).
/// </summary>
public sealed class TestIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication app;
    private (RSA Rsa, string Kid) current = NewKey();

    private TestIdentityProvider(WebApplication app) => this.app = app;

    public string Issuer { get; private set; } = "";

    public static async Task<TestIdentityProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var provider = new TestIdentityProvider(builder.Build());
        provider.app.MapGet("/.well-known/openid-configuration", () => new Dictionary<string, object>
        {
            ["issuer"] = provider.Issuer,
            ["jwks_uri"] = $"{provider.Issuer}/jwks",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        });
        provider.app.MapGet("/jwks", () =>
        {
            var key = provider.current.Rsa.ExportParameters(false);
            return new Dictionary<string, object>
            {
                ["keys"] = new[]
                {
                    new Dictionary<string, string>
                    {
                        ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = provider.current.Kid,
                        ["n"] = Base64UrlEncoder.Encode(key.Modulus), ["e"] = Base64UrlEncoder.Encode(key.Exponent),
                    },
                },
            };
        });
        await provider.app.StartAsync();
        provider.Issuer = provider.app.Urls.First();
        return provider;
    }

    /// <summary>A token of the provider: <c>sub</c>, the scopes in <c>scope</c> (or <c>scp</c>), signed with its current key.</summary>
    public string Token(string audience, string subject, string[] scopes, bool scopesAsScp = false) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Expires = DateTime.UtcNow.AddMinutes(30),
            Subject = new ClaimsIdentity([new Claim("sub", subject), new Claim(scopesAsScp ? "scp" : "scope", string.Join(' ', scopes))]),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(current.Rsa) { KeyId = current.Kid }, SecurityAlgorithms.RsaSha256),
        });

    /// <summary>Replaces the signing key: the JWKS publishes the new one alone from now on.</summary>
    public void RotateKey() => current = NewKey();

    private static (RSA, string) NewKey() => (RSA.Create(2048), $"key-{Guid.NewGuid():N}"[..16]);

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
