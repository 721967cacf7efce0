using EventsSubscriptions.Grains.Interfaces.Json;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;

namespace EventsSubscriptions.Grains.Interfaces.Requests;

/// <summary>
/// What <see cref="SubscriptionRequestReader"/> made of a body: the spec (and the secret and extra
/// headers, if given), or every error.
/// </summary>
public sealed record SubscriptionReading(SubscriptionSpec? Spec, SecretText? Secret, ValidationErrors Errors)
{
    /// <summary>The request's <c>headers</c>; null when it names none (the subscription keeps its own).</summary>
    public HeaderValues? Headers { get; init; }
}
