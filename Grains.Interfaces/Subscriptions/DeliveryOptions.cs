namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

[GenerateSerializer, Immutable, Alias("es.DeliveryOptions")]
public sealed record DeliveryOptions(
    [property: Id(0)] int MaxInFlight,
    [property: Id(1)] int TimeoutSeconds,
    [property: Id(2)] double? MaxPerSecond)
{
    public const int DefaultMaxInFlight = 8;
    public const int DefaultTimeoutSeconds = 15;

    public static DeliveryOptions Default => new(DefaultMaxInFlight, DefaultTimeoutSeconds, null);
}
