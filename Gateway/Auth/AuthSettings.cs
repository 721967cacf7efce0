using System.ComponentModel.DataAnnotations;

namespace EventsSubscriptions.Gateway.Auth;

/// <summary>JWT bearer validation (section <c>Auth</c>): HS256 tokens with these issuer and audience.</summary>
public sealed class AuthSettings
{
    public const string Section = "Auth";

    /// <summary>The key committed for local development; refused outside the Development environment.</summary>
    public const string DevelopmentSigningKey = "development-only-signing-key-change-me-0123456789abcdef";

    [Required]
    public string Issuer { get; set; } = "events-subscriptions";

    [Required]
    public string Audience { get; set; } = "events-subscriptions";

    /// <summary>Symmetric key, at least 32 bytes of UTF-8.</summary>
    [Required, MinLength(32)]
    public string SigningKey { get; set; } = "";

    /// <summary>
    /// When true, <c>/dashboard</c> and <c>/metrics</c> need a token with the <c>admin</c> scope.
    /// Off in development, on by default in production.
    /// </summary>
    public bool ProtectOperations { get; set; } = true;
}
