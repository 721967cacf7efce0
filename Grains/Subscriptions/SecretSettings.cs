using System.ComponentModel.DataAnnotations;
using EventsSubscriptions.Grains.Interfaces.Hosting;
using Microsoft.Extensions.Hosting;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>Encryption of subscription secrets at rest (section <c>Secrets</c>).</summary>
public sealed class SecretSettings : ISettingsSection, IValidatableObject
{
    public static string Section => "Secrets";

    /// <summary>The key committed for local development; refused outside the Development environment.</summary>
    public const string DevelopmentKey = "ZGV2ZWxvcG1lbnQtb25seS1zZWNyZXQta2V5LTMyYiE=";

    /// <summary>
    /// Required: base64 of 32 random bytes (<c>openssl rand -base64 32</c>); subscription secrets are stored
    /// encrypted with it (AES-256-GCM). The development key is refused outside Development.
    /// </summary>
    public string EncryptionKey { get; set; } = "";

    /// <summary>
    /// Keys used before <see cref="EncryptionKey"/>, comma-separated: they only decrypt, until every
    /// stored secret has been re-encrypted with the current key (docs/operations.md, "Rotating keys").
    /// </summary>
    public string PreviousKeys { get; set; } = "";

    /// <summary>The previous keys' bytes (validation made sure each is 32).</summary>
    public IReadOnlyList<byte[]> PreviousKeyBytes() =>
        [.. PreviousKeys.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(k => Convert.FromBase64String(k))];

    /// <summary>The key's 32 bytes (validation made sure there are).</summary>
    public byte[] KeyBytes() => TryKeyBytes(out var bytes)
        ? bytes
        : throw new InvalidOperationException($"{Settings.Key(Section, nameof(EncryptionKey))} is not base64 of 32 bytes.");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(EncryptionKey))
        {
            yield return new ValidationResult("a key is required: base64 of 32 random bytes (openssl rand -base64 32).", [nameof(EncryptionKey)]);
        }
        else if (!TryKeyBytes(out _))
        {
            yield return new ValidationResult("must be base64 of 32 bytes (openssl rand -base64 32).", [nameof(EncryptionKey)]);
        }
        else if (EncryptionKey == DevelopmentKey
            && validationContext.GetService(typeof(IHostEnvironment)) is IHostEnvironment environment && !environment.IsDevelopment())
        {
            yield return new ValidationResult("is the development key: set a key of your own outside Development.", [nameof(EncryptionKey)]);
        }
        var index = 0;
        foreach (var previous in PreviousKeys.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var bytes = new byte[32];
            if (!Convert.TryFromBase64String(previous, bytes, out var written) || written != 32)
            {
                yield return new ValidationResult($"key {index} (from 0) must be base64 of 32 bytes, as EncryptionKey; keys are separated by commas.",
                    [nameof(PreviousKeys)]);
            }
            index++;
        }
    }

    private bool TryKeyBytes(out byte[] bytes)
    {
        bytes = new byte[32];
        return Convert.TryFromBase64String(EncryptionKey, bytes, out var written) && written == 32;
    }
}
