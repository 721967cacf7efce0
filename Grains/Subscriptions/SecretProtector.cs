using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EventsSubscriptions.Grains.Compatibility;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>What a ciphertext holds: authenticated with it, so one cannot be copied into the other's place.</summary>
public enum SecretPurpose : byte
{
    /// <summary>The subscription's secret (current or previous).</summary>
    Secret = 1,

    /// <summary>The subscription's extra headers (their JSON).</summary>
    Headers = 2,
}

/// <summary>
/// Encrypts subscription secrets at rest with AES-256-GCM, so that a database dump alone reveals
/// none. The subscription id and the purpose are authenticated with each ciphertext: a secret
/// copied onto another subscription, or into the headers' place, does not decrypt.
/// <para>
/// Layout (format 2): version (1) · key id (4: the start of the key's SHA-256) · nonce (12) · tag (16)
/// · ciphertext. Format 1, from before key rotation, is still read (<see cref="LegacySecretFormat"/>).
/// Keys: the current one encrypts; previous ones (rotation) only decrypt.
/// </para>
/// </summary>
public sealed class SecretProtector
{
    private const byte FormatVersion = 2;
    private const int KeyIdSize = 4;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] key;
    private readonly uint keyId;
    private readonly (byte[] Key, uint Id)[] keys;

    public SecretProtector(byte[] key, IEnumerable<byte[]>? previousKeys = null)
    {
        this.key = Checked(key);
        keyId = KeyIdOf(key);
        keys = [(key, keyId), .. (previousKeys ?? []).Select(Checked).Select(k => (k, KeyIdOf(k)))];
    }

    /// <summary>The current key's id, as hex (logged by a re-encryption pass; never the key).</summary>
    public string KeyId => keyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    public byte[] Protect(string secret, long subscriptionId, SecretPurpose purpose = SecretPurpose.Secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var output = new byte[1 + KeyIdSize + NonceSize + TagSize + plain.Length];
        output[0] = FormatVersion;
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(1, KeyIdSize), keyId);
        var nonce = output.AsSpan(1 + KeyIdSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(1 + KeyIdSize + NonceSize + TagSize), output.AsSpan(1 + KeyIdSize + NonceSize, TagSize),
            AssociatedData(subscriptionId, purpose));
        CryptographicOperations.ZeroMemory(plain);
        return output;
    }

    public string Unprotect(byte[] protectedSecret, long subscriptionId, SecretPurpose purpose = SecretPurpose.Secret)
    {
        if (LegacySecretFormat.Holds(protectedSecret))
        {
            return LegacySecretFormat.Unprotect(protectedSecret, subscriptionId, keys.Select(k => k.Key));
        }
        if (protectedSecret.Length < 1 + KeyIdSize + NonceSize + TagSize || protectedSecret[0] != FormatVersion)
        {
            throw new CryptographicException("Unknown secret format.");
        }
        var id = BinaryPrimitives.ReadUInt32BigEndian(protectedSecret.AsSpan(1, KeyIdSize));
        if (keys.FirstOrDefault(k => k.Id == id).Key is not { } found)
        {
            throw new CryptographicException(
                $"The secret was encrypted with key {id:x8}, which is neither Secrets__EncryptionKey nor one of Secrets__PreviousKeys.");
        }
        var cipher = protectedSecret.AsSpan(1 + KeyIdSize + NonceSize + TagSize);
        var plain = new byte[cipher.Length];
        using var aes = new AesGcm(found, TagSize);
        aes.Decrypt(protectedSecret.AsSpan(1 + KeyIdSize, NonceSize), cipher, protectedSecret.AsSpan(1 + KeyIdSize + NonceSize, TagSize), plain,
            AssociatedData(subscriptionId, purpose));
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>Whether a ciphertext is not under the current key and format: a re-encryption pass rewrites it.</summary>
    public bool NeedsRekey(byte[] protectedSecret) =>
        protectedSecret.Length < 1 + KeyIdSize || protectedSecret[0] != FormatVersion
        || BinaryPrimitives.ReadUInt32BigEndian(protectedSecret.AsSpan(1, KeyIdSize)) != keyId;

    private static byte[] Checked(byte[] key) => key.Length == 32
        ? key
        : throw new ArgumentException("A secret encryption key must be 32 bytes (256 bits).", nameof(key));

    private static uint KeyIdOf(byte[] key) => BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(key));

    private static byte[] AssociatedData(long subscriptionId, SecretPurpose purpose)
    {
        var data = new byte[9];
        BinaryPrimitives.WriteInt64BigEndian(data, subscriptionId);
        data[8] = (byte)purpose;
        return data;
    }
}
