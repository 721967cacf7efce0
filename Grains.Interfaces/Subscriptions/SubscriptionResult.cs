namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

[GenerateSerializer, Immutable, Alias("es.SubscriptionResult")]
public sealed record SubscriptionResult(
    [property: Id(0)] SubscriptionOutcome Outcome,
    [property: Id(1)] SubscriptionView? View,
    [property: Id(2)] string? Detail)
{
    public static SubscriptionResult Ok(SubscriptionView view) => new(SubscriptionOutcome.Ok, view, null);

    public static SubscriptionResult Fail(SubscriptionOutcome outcome, string detail) => new(outcome, null, detail);
}
