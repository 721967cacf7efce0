using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// Encrypts subscription secrets at rest with AES-256-GCM, so that a database dump alone reveals
/// none. The subscription id is authenticated with each ciphertext: a secret copied onto another
/// subscription does not decrypt. Layout: version (1) · nonce (12) · tag (16) · ciphertext.
/// </summary>
public sealed class SecretProtector
{
    private const byte FormatVersion = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] key;

    public SecretProtector(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("The secret encryption key must be 32 bytes (256 bits).", nameof(key));
        }
        this.key = key;
    }

    public byte[] Protect(string secret, long subscriptionId)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var output = new byte[1 + NonceSize + TagSize + plain.Length];
        output[0] = FormatVersion;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(1 + NonceSize + TagSize), output.AsSpan(1 + NonceSize, TagSize), AssociatedData(subscriptionId));
        CryptographicOperations.ZeroMemory(plain);
        return output;
    }

    public string Unprotect(byte[] protectedSecret, long subscriptionId)
    {
        if (protectedSecret.Length < 1 + NonceSize + TagSize || protectedSecret[0] != FormatVersion)
        {
            throw new CryptographicException("Unknown secret format.");
        }
        var cipher = protectedSecret.AsSpan(1 + NonceSize + TagSize);
        var plain = new byte[cipher.Length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(protectedSecret.AsSpan(1, NonceSize), cipher, protectedSecret.AsSpan(1 + NonceSize, TagSize), plain, AssociatedData(subscriptionId));
        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] AssociatedData(long subscriptionId)
    {
        var data = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(data, subscriptionId);
        return data;
    }
}
