using System.Net;
using System.Net.Sockets;

namespace EventsSubscriptions.Grains.Interfaces.Webhooks;

/// <summary>Tells whether an address is on the public internet, and if not, what it is.</summary>
public static class AddressClassifier
{
    private static readonly (IPNetwork Network, AddressClass Class)[] Ranges =
    [
        (IPNetwork.Parse("169.254.169.254/32"), AddressClass.CloudMetadata),
        (IPNetwork.Parse("fd00:ec2::254/128"), AddressClass.CloudMetadata),
        (IPNetwork.Parse("0.0.0.0/8"), AddressClass.Unspecified),
        (IPNetwork.Parse("10.0.0.0/8"), AddressClass.Private),
        (IPNetwork.Parse("100.64.0.0/10"), AddressClass.CarrierGradeNat),
        (IPNetwork.Parse("127.0.0.0/8"), AddressClass.Loopback),
        (IPNetwork.Parse("169.254.0.0/16"), AddressClass.LinkLocal),
        (IPNetwork.Parse("172.16.0.0/12"), AddressClass.Private),
        (IPNetwork.Parse("192.0.0.0/24"), AddressClass.Reserved),
        (IPNetwork.Parse("192.0.2.0/24"), AddressClass.Documentation),
        (IPNetwork.Parse("192.88.99.0/24"), AddressClass.Reserved),
        (IPNetwork.Parse("192.168.0.0/16"), AddressClass.Private),
        (IPNetwork.Parse("198.18.0.0/15"), AddressClass.Reserved),
        (IPNetwork.Parse("198.51.100.0/24"), AddressClass.Documentation),
        (IPNetwork.Parse("203.0.113.0/24"), AddressClass.Documentation),
        (IPNetwork.Parse("224.0.0.0/4"), AddressClass.Multicast),
        (IPNetwork.Parse("240.0.0.0/4"), AddressClass.Reserved),
        (IPNetwork.Parse("::/128"), AddressClass.Unspecified),
        (IPNetwork.Parse("::1/128"), AddressClass.Loopback),
        // IPv4-compatible (::a.b.c.d, deprecated) and SIIT (::ffff:0:a.b.c.d): never a public receiver.
        (IPNetwork.Parse("::/96"), AddressClass.Reserved),
        (IPNetwork.Parse("::ffff:0:0:0/96"), AddressClass.Reserved),
        // NAT64 local-use prefix (RFC 8215): translated inside a private network.
        (IPNetwork.Parse("64:ff9b:1::/48"), AddressClass.Private),
        // Teredo tunnels: the IPv4 ends they reach are hidden in the address.
        (IPNetwork.Parse("2001::/32"), AddressClass.Reserved),
        // Site-local (deprecated, RFC 3879), still routed inside some networks.
        (IPNetwork.Parse("fec0::/10"), AddressClass.Private),
        (IPNetwork.Parse("100::/64"), AddressClass.Reserved),
        (IPNetwork.Parse("2001:db8::/32"), AddressClass.Documentation),
        (IPNetwork.Parse("fc00::/7"), AddressClass.Private),
        (IPNetwork.Parse("fe80::/10"), AddressClass.LinkLocal),
        (IPNetwork.Parse("ff00::/8"), AddressClass.Multicast),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    public static AddressClass Classify(IPAddress address)
    {
        address = Canonical(address);
        foreach (var (network, kind) in Ranges)
        {
            if (network.Contains(address))
            {
                return kind;
            }
        }
        return AddressClass.Public;
    }

    /// <summary>IPv4 carried inside IPv6 (mapped, NAT64, 6to4) is judged as the IPv4 address it carries.</summary>
    public static IPAddress Canonical(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && Nat64.Contains(address))
        {
            var bytes = address.GetAddressBytes();
            return new IPAddress(bytes[12..16]);
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && SixToFour.Contains(address))
        {
            // 6to4: 2002:AABB:CCDD::/48 is the IPv4 address AA.BB.CC.DD.
            var bytes = address.GetAddressBytes();
            return new IPAddress(bytes[2..6]);
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            return new IPAddress(address.GetAddressBytes());
        }
        return address;
    }

    public static string Describe(AddressClass kind) => kind switch
    {
        AddressClass.Unspecified => "an unspecified",
        AddressClass.Loopback => "a loopback",
        AddressClass.Private => "a private",
        AddressClass.LinkLocal => "a link-local",
        AddressClass.CloudMetadata => "a cloud metadata",
        AddressClass.CarrierGradeNat => "a carrier-grade NAT",
        AddressClass.Multicast => "a multicast",
        AddressClass.Documentation => "a documentation",
        AddressClass.Reserved => "a reserved",
        _ => "a public",
    };
}
