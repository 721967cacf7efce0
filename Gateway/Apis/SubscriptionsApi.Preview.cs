using System.Globalization;

namespace EventsSubscriptions.Gateway.Apis;

// Previewing a draft subscription: what it would send, without creating it.
public static partial class SubscriptionsApi
{
    /// <summary>How many recent events a preview looks at unless told (<c>limit</c>), and at most.</summary>
    private const int PreviewDefaultEvents = 20, PreviewMaxEvents = 100;

    private static void MapPreview(RouteGroupBuilder group) =>
        group.MapPost("actions/preview", PreviewAsync).RequireAuthorization(Scopes.SubscriptionsWrite, Scopes.EntitiesRead)
            .WithName("PreviewSubscription")
            .WithSummary("What a draft subscription would send, without creating it.")
            .WithDescription("The body is a subscription as for create, checked the same way; nothing is stored or sent. Answers " +
                             "the recent events the draft would have matched (the last event of each of the resource's entities " +
                             "changed most recently within 24 hours, at most limit of them: 1-100, default 20), each with the exact " +
                             "body and the headers of its call (secret values masked, meta.subscription 0), and the entities its " +
                             "scope and filters select now (a count and the first 20 ids).")
            .Accepts<SubscriptionRequest>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    private static Task<Results<Ok<DataResponse<PreviewItem>>, ValidationProblem, ProblemHttpResult>> PreviewAsync(
        HttpRequest request, IClusterClient grains, SubscriptionRequestReader reader, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var events = PreviewDefaultEvents;
        foreach (var name in request.Query.Keys.Where(k => k != "limit"))
        {
            errors.Add(name, "is not a parameter of this endpoint (limit)");
        }
        if (request.Query.TryGetValue("limit", out var limit)
            && (limit.Count != 1 || !int.TryParse(limit[0], NumberStyles.None, CultureInfo.InvariantCulture, out events)
                || events is < 1 or > PreviewMaxEvents))
        {
            errors.Add("limit", $"must be one whole number from 1 to {PreviewMaxEvents}");
        }
        // The body's errors are answered with the query's, in one validation problem.
        return JsonBody.HandleAsync(request, optional: false, body =>
        {
            var read = reader.Read(body!.Value, secretRequired: true);
            foreach (var (field, messages) in read.Errors.Raw)
            {
                foreach (var message in messages)
                {
                    errors.Add(field, message);
                }
            }
            return (read, errors);
        }, read => PreviewDraftAsync(grains, read, events), cancellationToken);
    }

    private static async Task<Results<Ok<DataResponse<PreviewItem>>, ValidationProblem, ProblemHttpResult>> PreviewDraftAsync(
        IClusterClient grains, SubscriptionReading read, int events)
    {
        var preview = await grains.GetGrain<ISubscriptionPreviewGrain>(0).PreviewAsync(read.Spec!, read.Secret!, read.Headers, events);
        return TypedResults.Ok(new DataResponse<PreviewItem>(PreviewItem.From(preview)));
    }
}
