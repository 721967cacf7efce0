using EventsSubscriptions.Grains.Interfaces.Json;

namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>What <see cref="SubscriptionRequestReader"/> made of a body: the spec (and the secret, if given), or every error.</summary>
public sealed record SubscriptionReading(SubscriptionSpec? Spec, SecretText? Secret, ValidationErrors Errors);
