namespace EventsSubscriptions.Gateway.Apis;

public static partial class SubscriptionsApi
{
    private static void MapBackfill(RouteGroupBuilder group)
    {
        Action(group.MapPost($"{Id}/actions/backfill", BackfillAsync), "backfill", "Send the current state of every entity it selects.",
            "202. Queues one entity:<resource>:backfill event per entity of the resource that the scope and filters select now, " +
            "with the entity as it is, in id order, a chunk at a time behind the live deliveries (never more than 200 waiting). " +
            "An entity's live changes and its snapshot go out in the order they happened. Progress in the item's backfill " +
            "(GET …/{id}); 409 while one runs or when archived. Takes no body.");
        Action(group.MapPost($"{Id}/actions/cancel-backfill", CancelBackfillAsync), "cancelBackfill", "Stop the running backfill.",
            "What it queued already is still sent. 409 when none runs. Takes no body.");
    }

    private static async Task<Results<Accepted<DataResponse<SubscriptionItem>>, ProblemHttpResult>> BackfillAsync(SubscriptionId id, IClusterClient grains)
    {
        var result = await Subscription(grains, id).BackfillAsync();
        if (result.Outcome != SubscriptionOutcome.Ok)
        {
            return SubscriptionProblems.For(id.ToString(), result.Outcome, result.Detail);
        }
        return TypedResults.Accepted($"{SubscriptionItem.BasePath}/{id}", new DataResponse<SubscriptionItem>(SubscriptionItem.From(result.View!)));
    }

    private static async Task<Results<Ok<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult>> CancelBackfillAsync(
        SubscriptionId id, IClusterClient grains) =>
        Answer(id, await Subscription(grains, id).CancelBackfillAsync());
}
