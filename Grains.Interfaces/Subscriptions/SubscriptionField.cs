using System.Text.Json.Nodes;

namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>One field of a subscription request: whether it is required, what it means, and an example the API accepts.</summary>
public sealed record SubscriptionField(string Name, bool Required, string Description, JsonNode Example);
