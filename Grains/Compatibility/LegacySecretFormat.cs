using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EventsSubscriptions.Grains.Compatibility;

/// <summary>
/// Secrets encrypted before key rotation (format 1): version (1) · nonce (12) · tag (16) ·
/// ciphertext, with no key id and the subscription id alone authenticated; read by trying each
/// key. The re-encryption pass (<c>SecretRekeying</c>) rewrites them in the current format. Can be
/// dropped once a pass has run on every deployment (see README.md here).
/// </summary>
internal static class LegacySecretFormat
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static bool Holds(byte[] protectedSecret) => protectedSecret.Length >= 1 + NonceSize + TagSize && protectedSecret[0] == Version;

    public static string Unprotect(byte[] protectedSecret, long subscriptionId, IEnumerable<byte[]> keys)
    {
        var cipher = protectedSecret.AsSpan(1 + NonceSize + TagSize);
        var plain = new byte[cipher.Length];
        var associated = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(associated, subscriptionId);
        foreach (var candidate in keys)
        {
            try
            {
                using var aes = new AesGcm(candidate, TagSize);
                aes.Decrypt(protectedSecret.AsSpan(1, NonceSize), cipher, protectedSecret.AsSpan(1 + NonceSize, TagSize), plain, associated);
                return Encoding.UTF8.GetString(plain);
            }
            catch (AuthenticationTagMismatchException)
            {
                // Another key, or not this subscription's: the next key is tried.
            }
        }
        throw new CryptographicException("The secret decrypts with none of Secrets__EncryptionKey and Secrets__PreviousKeys.");
    }
}
