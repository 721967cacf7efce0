using EventsSubscriptions.Gateway.Apis;

namespace EventsSubscriptions.Gateway.Subscriptions;

/// <summary>
/// The one translation of a subscription grain's refusal into an answer (docs/api.md): no such
/// subscription is a 404 (a malformed id too), a change the subscription refuses a 409, an invalid
/// change a 400 naming every field. Every subscription endpoint answers its refusals through here.
/// </summary>
public static class SubscriptionProblems
{
    public static ProblemHttpResult For(string id, SubscriptionOutcome outcome, string? detail, IDictionary<string, string[]>? errors = null) =>
        outcome switch
        {
            // One wording for every route, whatever the grain says: an id of another tenant is
            // answered as this same text (TenantResolution), so no answer tells the two apart.
            SubscriptionOutcome.NotFound => Problems.NotFound($"There is no events subscription with id '{id}'."),
            // The grain's own words when it has some; else the API's.
            SubscriptionOutcome.StatusConflict or SubscriptionOutcome.CustomIdTaken or SubscriptionOutcome.VersionMismatch =>
                Problems.Conflict(detail ?? "The subscription cannot do that now."),
            SubscriptionOutcome.Invalid => Problems.InvalidFields(errors ?? new Dictionary<string, string[]>()),
            _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "not a refusal"),
        };

    public static ProblemHttpResult For(SubscriptionId id, SubscriptionResult result) => For(id.ToString(), result.Outcome, result.Detail, result.Errors);

    /// <summary>The answer to an event id a subscription has no delivery of.</summary>
    public static ProblemHttpResult NoDelivery(string id, string eventId) =>
        Problems.NotFound($"There is no delivery of event '{eventId}' in events subscription '{id}'.");

    /// <summary>The answer to an id no subscription has, or that is not an id at all.</summary>
    public static ProblemHttpResult UnknownId(string id) => For(id, SubscriptionOutcome.NotFound, null);

    /// <summary>
    /// The same, naming the id as the request's path wrote it (<c>007</c>, not <c>7</c>): every route
    /// and the refusal of another tenant's subscription answer with these very words.
    /// </summary>
    public static ProblemHttpResult UnknownId(HttpContext context) => UnknownId(RequestedId(context));

    /// <summary>The subscription id as the request's path wrote it.</summary>
    public static string RequestedId(HttpContext context) => context.GetRouteValue("id")?.ToString() ?? "";
}
