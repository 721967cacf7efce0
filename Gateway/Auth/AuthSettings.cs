using System.ComponentModel.DataAnnotations;
using EventsSubscriptions.Grains.Interfaces.Hosting;

namespace EventsSubscriptions.Gateway.Auth;

/// <summary>JWT bearer validation (section <c>Auth</c>): HS256 tokens with these issuer and audience.</summary>
public sealed class AuthSettings : ISettingsSection, IValidatableObject
{
    public static string Section => "Auth";

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

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SigningKey == DevelopmentSigningKey
            && validationContext.GetService(typeof(IHostEnvironment)) is IHostEnvironment environment && !environment.IsDevelopment())
        {
            yield return new ValidationResult("is the development key: set a secret key of at least 32 bytes outside Development.", [nameof(SigningKey)]);
        }
    }
}
