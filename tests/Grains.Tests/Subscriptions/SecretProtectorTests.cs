using System.Security.Cryptography;
using System.Text;
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
}
