namespace EventsSubscriptions.Gateway.Apis;

// The routes that catch a path id that is not a subscription id, or an action that does not exist.
public static partial class SubscriptionsApi
{
    /// <summary>
    /// A path id that is not a subscription id (<c>abc</c>, <c>0</c>, <c>-1</c>, <c>+1</c>) fails the
    /// routes' constraint and lands here, out of the document: after the same checks of the query as
    /// a real id, it is answered as an unknown id (docs/api.md), never by another API's route. An
    /// action name that is not one of <see cref="Actions"/> lands here too, with any id.
    /// </summary>
    private static void MapMalformedIds(RouteGroupBuilder group)
    {
        var malformed = group.MapGroup("{id}").ExcludeFromDescription();
        malformed.MapGet("", (string id, HttpRequest request) => Unknown(id, ItemQueryReader.Read(request.Query).Errors))
            .RequireAuthorization(Scopes.SubscriptionsRead);
        malformed.MapGet("logs", (string id, HttpRequest request) => Unknown(id, LogQueryReader.Read(request.Query).Errors))
            .RequireAuthorization(Scopes.SubscriptionsRead);
        // With the bodies their real routes accept: a body of another type is the same 415 from routing with any id.
        malformed.MapPut("", (string id) => SubscriptionProblems.UnknownId(id))
            .RequireAuthorization(Scopes.SubscriptionsWrite).Accepts<SubscriptionRequest>("application/json");
        malformed.MapPatch("", (string id) => SubscriptionProblems.UnknownId(id))
            .RequireAuthorization(Scopes.SubscriptionsWrite).Accepts<JsonObject>("application/merge-patch+json", "application/json");
        malformed.MapPost("actions/{action}", (string id, string action) => SubscriptionId.TryParse(id, out _)
                ? Problems.NotFound($"There is no action '{action}'; the actions are {string.Join(", ", Actions)}.")
                : SubscriptionProblems.UnknownId(id))
            .RequireAuthorization(Scopes.SubscriptionsWrite);

        static Results<ValidationProblem, ProblemHttpResult> Unknown(string id, ValidationErrors queryErrors) =>
            queryErrors.Any ? Problems.Validation(queryErrors) : SubscriptionProblems.UnknownId(id);
    }
}
