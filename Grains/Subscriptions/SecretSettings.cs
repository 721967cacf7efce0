namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>Encryption of subscription secrets at rest (section <c>Secrets</c>).</summary>
public sealed class SecretSettings
{
    public const string Section = "Secrets";

    /// <summary>The key committed for local development; refused outside the Development environment.</summary>
    public const string DevelopmentKey = "ZGV2ZWxvcG1lbnQtb25seS1zZWNyZXQta2V5LTMyYiE=";

    /// <summary>Base64 of 32 random bytes, e.g. <c>openssl rand -base64 32</c>.</summary>
    public string EncryptionKey { get; set; } = "";

    public byte[] KeyBytes()
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(EncryptionKey);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException("Secrets:EncryptionKey (Secrets__EncryptionKey) must be base64.");
        }
        return bytes.Length == 32
            ? bytes
            : throw new InvalidOperationException("Secrets:EncryptionKey (Secrets__EncryptionKey) must be 32 bytes in base64 (openssl rand -base64 32).");
    }
}
