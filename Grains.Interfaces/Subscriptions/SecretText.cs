namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>
/// A subscription secret in transit from the gateway to its grain. Its text never appears in
/// <see cref="ToString"/>, so a logged message or exception cannot carry it.
/// </summary>
[GenerateSerializer, Immutable, Alias("es.SecretText")]
public sealed class SecretText(string value)
{
    [Id(0)]
    public string Value { get; } = value;

    public override string ToString() => "***";
}
