using System.Security.Cryptography;
using EventsSubscriptions.Grains.Subscriptions;

namespace EventsSubscriptions.Grains.Tests.Subscriptions;

[Trait("Category", "Unit")]
public sealed class SecretProtectorTests
{
    private readonly SecretProtector protector = new(RandomNumberGenerator.GetBytes(32));

    [Theory]
    [InlineData("0123456789abcdef")]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    [InlineData("ünïcödé secret with spaces and ✓")]
    public void A_secret_comes_back_as_it_went_in_and_is_not_stored_in_clear(string secret)
    {
        var sealedSecret = protector.Protect(secret, 42);

        Assert.Equal(secret, protector.Unprotect(sealedSecret, 42));
        Assert.Equal(-1, sealedSecret.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)));
        Assert.NotEqual(sealedSecret, protector.Protect(secret, 42));
    }

    [Fact]
    public void A_secret_moved_to_another_subscription_or_altered_does_not_decrypt()
    {
        var sealedSecret = protector.Protect("0123456789abcdef", 42);

        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(sealedSecret, 43));
        sealedSecret[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(sealedSecret, 42));
        Assert.ThrowsAny<CryptographicException>(() => new SecretProtector(RandomNumberGenerator.GetBytes(32)).Unprotect(protector.Protect("x", 1), 1));
    }

    [Fact]
    public void After_a_rotation_the_previous_key_still_decrypts_and_its_ciphertexts_are_marked_for_rekeying()
    {
        var oldKey = RandomNumberGenerator.GetBytes(32);
        var before = new SecretProtector(oldKey);
        var sealedBefore = before.Protect("0123456789abcdef", 7);
        var headersBefore = before.Protect("""{"X-Api-Key":"k"}""", 7, SecretPurpose.Headers);

        var rotated = new SecretProtector(RandomNumberGenerator.GetBytes(32), [oldKey]);
        Assert.Equal("0123456789abcdef", rotated.Unprotect(sealedBefore, 7));
        Assert.Equal("""{"X-Api-Key":"k"}""", rotated.Unprotect(headersBefore, 7, SecretPurpose.Headers));
        Assert.True(rotated.NeedsRekey(sealedBefore));
        var rekeyed = rotated.Protect(rotated.Unprotect(sealedBefore, 7), 7);
        Assert.False(rotated.NeedsRekey(rekeyed));
        Assert.NotEqual(before.KeyId, rotated.KeyId);

        // Once the old key is gone, what was not rekeyed says which key it needs.
        var error = Assert.ThrowsAny<CryptographicException>(() => new SecretProtector(RandomNumberGenerator.GetBytes(32)).Unprotect(sealedBefore, 7));
        Assert.Contains(before.KeyId, error.Message);
        Assert.Contains("Secrets__PreviousKeys", error.Message);
    }

    [Fact]
    public void A_ciphertext_does_not_decrypt_in_the_place_of_another_purpose()
    {
        var headers = protector.Protect("""{"Authorization":"Bearer x"}""", 42, SecretPurpose.Headers);
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(headers, 42, SecretPurpose.Secret));
    }

    [Fact]
    public void A_ciphertext_of_the_first_format_is_read_with_the_current_or_a_previous_key()
    {
        var oldKey = RandomNumberGenerator.GetBytes(32);
        var legacy = LegacyProtect(oldKey, "0123456789abcdef", 9);

        Assert.Equal("0123456789abcdef", new SecretProtector(oldKey).Unprotect(legacy, 9));
        var rotated = new SecretProtector(RandomNumberGenerator.GetBytes(32), [oldKey]);
        Assert.Equal("0123456789abcdef", rotated.Unprotect(legacy, 9));
        Assert.True(rotated.NeedsRekey(legacy));
        Assert.ThrowsAny<CryptographicException>(() => rotated.Unprotect(legacy, 10));
    }

    /// <summary>Format 1, as versions before key rotation wrote it: version · nonce · tag · ciphertext, the id alone authenticated.</summary>
    private static byte[] LegacyProtect(byte[] key, string secret, long subscriptionId)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var output = new byte[1 + 12 + 16 + plain.Length];
        output[0] = 1;
        RandomNumberGenerator.Fill(output.AsSpan(1, 12));
        var data = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(data, subscriptionId);
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(output.AsSpan(1, 12), plain, output.AsSpan(29), output.AsSpan(13, 16), data);
        return output;
    }
}
