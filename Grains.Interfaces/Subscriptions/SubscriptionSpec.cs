using EventsSubscriptions.Grains.Interfaces.Filters;

namespace EventsSubscriptions.Grains.Interfaces.Subscriptions;

/// <summary>What a user configures on a subscription, validated; everything but the secret.</summary>
[GenerateSerializer, Immutable, Alias("es.SubscriptionSpec")]
public sealed record SubscriptionSpec
{
    [Id(0)] public required string CustomId { get; init; }
    [Id(1)] public required string Name { get; init; }

    /// <summary>Event names, <c>entity:&lt;resource&gt;:&lt;trigger&gt;</c>, without duplicates, all of <see cref="Resource"/>.</summary>
    [Id(2)] public required string[] Events { get; init; }
    [Id(3)] public required string Resource { get; init; }
    [Id(4)] public required RegionScope ContextFilters { get; init; }
    [Id(5)] public UserDefinedFilters? UserDefinedFilters { get; init; }
    [Id(6)] public EntityResponse? EntityResponse { get; init; }
    [Id(7)] public required string Url { get; init; }
    [Id(8)] public required string SecretHeaderName { get; init; }
    [Id(9)] public string? FailureEmail { get; init; }
    [Id(10)] public required string Language { get; init; }
    [Id(11)] public required DeliveryOptions Delivery { get; init; }

    /// <summary>
    /// What the secret header carries. In a request, null when not given (a new subscription
    /// takes <see cref="Subscriptions.SecretHeaderMode.Secret"/>, a changed one keeps its mode);
    /// stored, null only for subscriptions made before modes existed: see <see cref="HeaderMode"/>.
    /// </summary>
    [Id(12)] public SecretHeaderMode? SecretHeaderMode { get; init; }

    /// <summary>The names of the extra headers sent on every call (their values are encrypted with the secret, not here).</summary>
    [Id(13)] public string[] HeaderNames { get; init; } = [];

    /// <summary>The mode in effect: a subscription stored without one keeps the HMAC it always sent.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public SecretHeaderMode HeaderMode => SecretHeaderMode ?? Subscriptions.SecretHeaderMode.HmacSha512;

    /// <summary>The triggers (last part of each event name) this subscription listens to.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IEnumerable<string> Triggers => Events.Select(e => e[(e.LastIndexOf(':') + 1)..]);
}
