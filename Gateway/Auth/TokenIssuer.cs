using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EventsSubscriptions.Gateway.Auth;

/// <summary>Mints tokens the gateway accepts: development tokens (<c>Gateway token</c>) and console sessions.</summary>
public static class TokenIssuer
{
    /// <param name="tenant">The tenant the token acts for (a <c>tenant</c> claim); null: none, the default tenant.</param>
    /// <param name="extra">Further claims (a console session's).</param>
    public static string Issue(AuthSettings settings, IEnumerable<string> scopes, TimeSpan lifetime, string subject = "developer", string? tenant = null,
        IEnumerable<Claim>? extra = null)
    {
        List<Claim> claims = [new Claim("sub", subject), new Claim("scope", string.Join(' ', scopes)), .. extra ?? []];
        if (tenant is not null)
        {
            claims.Add(new Claim("tenant", tenant));
        }
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = new SigningCredentials(SigningKey(settings), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    public static SymmetricSecurityKey SigningKey(AuthSettings settings) => new(Encoding.UTF8.GetBytes(settings.SigningKey));
}
