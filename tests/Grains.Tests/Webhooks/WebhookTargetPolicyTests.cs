using System.Net;

namespace EventsSubscriptions.Grains.Tests.Webhooks;

[Trait("Category", "Unit")]
public sealed class WebhookTargetPolicyTests
{
    [Theory]
    [InlineData("8.8.8.8", AddressClass.Public)]
    [InlineData("2606:4700:4700::1111", AddressClass.Public)]
    [InlineData("127.0.0.1", AddressClass.Loopback)]
    [InlineData("127.255.0.9", AddressClass.Loopback)]
    [InlineData("::1", AddressClass.Loopback)]
    [InlineData("::ffff:127.0.0.1", AddressClass.Loopback)]
    [InlineData("10.1.2.3", AddressClass.Private)]
    [InlineData("172.16.0.1", AddressClass.Private)]
    [InlineData("172.31.255.255", AddressClass.Private)]
    [InlineData("172.32.0.1", AddressClass.Public)]
    [InlineData("192.168.1.1", AddressClass.Private)]
    [InlineData("::ffff:192.168.1.1", AddressClass.Private)]
    [InlineData("64:ff9b::10.0.0.1", AddressClass.Private)]
    [InlineData("fd12:3456::1", AddressClass.Private)]
    [InlineData("169.254.1.1", AddressClass.LinkLocal)]
    [InlineData("fe80::1", AddressClass.LinkLocal)]
    [InlineData("169.254.169.254", AddressClass.CloudMetadata)]
    [InlineData("fd00:ec2::254", AddressClass.CloudMetadata)]
    [InlineData("100.64.0.1", AddressClass.CarrierGradeNat)]
    [InlineData("100.127.255.254", AddressClass.CarrierGradeNat)]
    [InlineData("224.0.0.1", AddressClass.Multicast)]
    [InlineData("ff02::1", AddressClass.Multicast)]
    [InlineData("0.0.0.0", AddressClass.Unspecified)]
    [InlineData("::", AddressClass.Unspecified)]
    [InlineData("255.255.255.255", AddressClass.Reserved)]
    [InlineData("198.18.0.1", AddressClass.Reserved)]
    [InlineData("192.0.2.10", AddressClass.Documentation)]
    [InlineData("2001:db8::1", AddressClass.Documentation)]
    [InlineData("::127.0.0.1", AddressClass.Reserved)]
    [InlineData("::8.8.8.8", AddressClass.Reserved)]
    [InlineData("::ffff:0:127.0.0.1", AddressClass.Reserved)]
    [InlineData("2002:7f00:1::1", AddressClass.Loopback)]
    [InlineData("2002:c0a8:101::1", AddressClass.Private)]
    [InlineData("2002:808:808::1", AddressClass.Public)]
    [InlineData("64:ff9b:1::a00:1", AddressClass.Private)]
    [InlineData("64:ff9b:1::808:808", AddressClass.Private)]
    [InlineData("fec0::1", AddressClass.Private)]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", AddressClass.Reserved)]
    public void Addresses_are_classified(string address, AddressClass expected) =>
        Assert.Equal(expected, AddressClassifier.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("https://hooks.example.com/x", false, "", true)]
    [InlineData("http://hooks.example.com/x", false, "", false)]
    [InlineData("http://hooks.example.com/x", true, "", true)]
    [InlineData("https://u:p@hooks.example.com/x", false, "", false)]
    [InlineData("https://10.0.0.1/", false, "", false)]
    [InlineData("https://10.0.0.1/", false, "10.0.0.0/8", true)]
    [InlineData("https://[::1]:8443/", false, "", false)]
    [InlineData("https://[::1]:8443/", false, "::1/128", true)]
    [InlineData("https://localhost/x", false, "", false)]
    [InlineData("https://api.localhost/x", false, "", false)]
    [InlineData("http://localhost:5000/x", true, "127.0.0.0/8", true)]
    [InlineData("https://169.254.169.254/", false, "10.0.0.0/8", false)]
    [InlineData("https://0x7f.1/", false, "", false)]
    [InlineData("ftp://hooks.example.com/", true, "", false)]
    [InlineData("hooks.example.com/x", false, "", false)]
    public void Urls_are_checked_at_create_time(string url, bool allowHttp, string allowed, bool accepted)
    {
        var policy = new WebhookTargetPolicy(new WebhookSettings
        {
            AllowHttp = allowHttp,
            AllowedNetworks = allowed.Length == 0 ? [] : [allowed],
        });

        Assert.Equal(accepted, policy.CheckUrl(url).Count == 0);
    }

    [Fact]
    public void A_refused_address_says_what_it_is()
    {
        var policy = new WebhookTargetPolicy(new WebhookSettings());

        Assert.False(policy.IsAllowed(IPAddress.Parse("169.254.169.254"), out var reason));
        Assert.Contains("cloud metadata", reason);
    }
}
