using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EventsSubscriptions.Gateway.Auth;

/// <summary>Mints tokens the gateway accepts; used by <c>Gateway token</c> for development tokens.</summary>
public static class TokenIssuer
{
    /// <param name="tenant">The tenant the token acts for (a <c>tenant</c> claim); null: none, the default tenant.</param>
    public static string Issue(AuthSettings settings, IEnumerable<string> scopes, TimeSpan lifetime, string subject = "developer", string? tenant = null)
    {
        List<Claim> claims = [new Claim("sub", subject), new Claim("scope", string.Join(' ', scopes))];
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
