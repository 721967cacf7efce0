namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>
/// What a change of a subscription did: its new view, or why it was refused. <see cref="Detail"/>
/// says why in words; it is null for a subscription that does not exist when the outcome says it all.
/// <see cref="Errors"/>, with <see cref="SubscriptionOutcome.Invalid"/>, holds every error keyed by field path.
/// </summary>
[GenerateSerializer, Immutable, Alias("es.SubscriptionResult")]
public sealed record SubscriptionResult(
    [property: Id(0)] SubscriptionOutcome Outcome,
    [property: Id(1)] SubscriptionView? View,
    [property: Id(2)] string? Detail,
    [property: Id(3)] Dictionary<string, string[]>? Errors = null)
{
    /// <summary>No subscription has this id.</summary>
    public static SubscriptionResult NotFound { get; } = new(SubscriptionOutcome.NotFound, null, null);

    public static SubscriptionResult Ok(SubscriptionView view) => new(SubscriptionOutcome.Ok, view, null);

    public static SubscriptionResult Fail(SubscriptionOutcome outcome, string detail) => new(outcome, null, detail);

    public static SubscriptionResult Invalid(Dictionary<string, string[]> errors) => new(SubscriptionOutcome.Invalid, null, null, errors);
}
