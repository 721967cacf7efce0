namespace EventsSubscriptions.Grains.Interfaces.Webhooks;

public enum AddressClass
{
    Public,
    Unspecified,
    Loopback,
    Private,
    LinkLocal,
    CloudMetadata,
    CarrierGradeNat,
    Multicast,
    Documentation,
    Reserved,
}
