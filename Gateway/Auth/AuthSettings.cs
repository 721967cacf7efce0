using System.ComponentModel.DataAnnotations;
using EventsSubscriptions.Grains.Interfaces.Hosting;

namespace EventsSubscriptions.Gateway.Auth;

/// <summary>JWT bearer validation (section <c>Auth</c>): HS256 tokens with these issuer and audience.</summary>
public sealed class AuthSettings : ISettingsSection, IValidatableObject
{
    public static string Section => "Auth";

    /// <summary>The key committed for local development; refused outside the Development environment.</summary>
    public const string DevelopmentSigningKey = "development-only-signing-key-change-me-0123456789abcdef";

    /// <summary>The <c>iss</c> tokens must carry (and the gateway's own tokens carry).</summary>
    [Required]
    public string Issuer { get; set; } = "events-subscriptions";

    /// <summary>The <c>aud</c> tokens must carry (and the gateway's own tokens carry).</summary>
    [Required]
    public string Audience { get; set; } = "events-subscriptions";

    /// <summary>
    /// The HS256 key, at least 32 characters: it signs console sessions and development tokens, and
    /// is accepted on tokens. The development key is refused outside Development.
    /// </summary>
    [Required, MinLength(32)]
    public string SigningKey { get; set; } = "";

    /// <summary>
    /// Signing keys used before <see cref="SigningKey"/>: tokens they signed are still accepted (until
    /// they expire), so the key can change without refusing the tokens in use. New tokens (console
    /// sessions, <c>scripts/token.sh</c>) are signed with <see cref="SigningKey"/>.
    /// </summary>
    public List<string> PreviousSigningKeys { get; set; } = [];

    /// <summary>
    /// The operator's identity provider (an OpenID Connect issuer URL): its tokens (RS256, ES256…, keys
    /// read from its discovery document and JWKS, re-read on rollover) are accepted besides this
    /// service's own HS256 ones. They must name <see cref="Audience"/> and carry <c>sub</c> and the
    /// scopes in <c>scope</c> (or <c>scp</c>).
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>Whether the identity provider's metadata must be fetched over HTTPS (off only for a local provider in tests).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The least time between two reads of the provider's keys when a token names a key not known yet (rollover).</summary>
    public int MetadataRefreshSeconds { get; set; } = 300;

    /// <summary>
    /// When true, <c>/dashboard</c> and <c>/metrics</c> need a token with the <c>admin</c> scope.
    /// Off in development, on by default in production.
    /// </summary>
    public bool ProtectOperations { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SigningKey == DevelopmentSigningKey
            && validationContext.GetService(typeof(IHostEnvironment)) is IHostEnvironment environment && !environment.IsDevelopment())
        {
            yield return new ValidationResult("is the development key: set a secret key of at least 32 bytes outside Development.", [nameof(SigningKey)]);
        }
        for (var i = 0; i < PreviousSigningKeys.Count; i++)
        {
            if (System.Text.Encoding.UTF8.GetByteCount(PreviousSigningKeys[i]) < 32)
            {
                yield return new ValidationResult($"key {i} must be at least 32 bytes, as SigningKey.", [nameof(PreviousSigningKeys)]);
            }
        }
        if (!string.IsNullOrEmpty(Authority) && (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority)
            || (authority.Scheme != Uri.UriSchemeHttps && (RequireHttpsMetadata || authority.Scheme != Uri.UriSchemeHttp))))
        {
            yield return new ValidationResult("must be the identity provider's issuer URL, https (http only with RequireHttpsMetadata=false).", [nameof(Authority)]);
        }
        if (MetadataRefreshSeconds < 1)
        {
            yield return new ValidationResult("must be at least 1.", [nameof(MetadataRefreshSeconds)]);
        }
    }
}
