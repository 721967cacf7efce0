using System.Security.Cryptography;

namespace EventsSubscriptions.Grains.Tests.Delivery;

// Verified the way a receiver would, with the primitives directly, not through the signer.
[Trait("Category", "Unit")]
public sealed class WebhookSignerTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"meta":{"event":"entity:employees:created"},"data":{"id":1,"name":"Ann ✓"}}""");

    [Fact]
    public void The_tracktik_header_is_the_lowercase_hex_hmac_sha512_of_the_body()
    {
        const string secret = "B2C60113ECB7-very-secret";
        using var hmac = new HMACSHA512(Encoding.UTF8.GetBytes(secret));
        var expected = BitConverter.ToString(hmac.ComputeHash(Body)).Replace("-", "").ToLowerInvariant();

        Assert.Equal(expected, WebhookSigner.TrackTik(Body, secret));
        Assert.Equal(128, expected.Length);
    }

    [Fact]
    public void The_standard_signature_signs_id_timestamp_and_body_with_a_whsec_key()
    {
        var key = RandomNumberGenerator.GetBytes(24);
        var secret = "whsec_" + Convert.ToBase64String(key);

        var header = WebhookSigner.Standard("msg_2Xd9", 1_700_000_000, Body, [secret]);

        using var hmac = new HMACSHA256(key);
        var signed = hmac.ComputeHash(Encoding.UTF8.GetBytes("msg_2Xd9.1700000000.").Concat(Body).ToArray());
        Assert.Equal("v1," + Convert.ToBase64String(signed), header);
    }

    [Fact]
    public void A_plain_secret_keys_the_standard_signature_with_its_utf8_bytes_and_rotation_signs_twice()
    {
        var header = WebhookSigner.Standard("d-1", 42, Body, ["new-secret-0123456789", "old-secret-0123456789"]);

        var signatures = header.Split(' ');
        Assert.Equal(2, signatures.Length);
        foreach (var (signature, secret) in signatures.Zip(new[] { "new-secret-0123456789", "old-secret-0123456789" }))
        {
            using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
            Assert.Equal("v1," + Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes("d-1.42.").Concat(Body).ToArray())), signature);
        }
    }
}
