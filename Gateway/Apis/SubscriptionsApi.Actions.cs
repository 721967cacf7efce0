using EventsSubscriptions.Grains.Interfaces.Text;
using System.Globalization;

namespace EventsSubscriptions.Gateway.Apis;

// The actions on one subscription (suspend, enable, archive, test, replay) and the retry of one of its deliveries.
public static partial class SubscriptionsApi
{
    private static Task<Results<Ok<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult>> SuspendAsync(
        SubscriptionId id, HttpRequest request, IClusterClient grains, CancellationToken cancellationToken) =>
        JsonBody.HandleAsync(request, optional: false, body => ActionRequestReader.ReadSuspend(body!.Value),
            async suspend => Answer(id, await Subscription(grains, id).SuspendAsync(suspend.Reason)), cancellationToken);

    private static Task<Results<Ok<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult>> EnableAsync(
        SubscriptionId id, HttpRequest request, IClusterClient grains, CancellationToken cancellationToken) =>
        JsonBody.HandleAsync(request, optional: true, body => (body, ActionRequestReader.ReadEnable(body)),
            async _ => Answer(id, await Subscription(grains, id).EnableAsync()), cancellationToken);

    private static Task<Results<Ok<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult>> ArchiveAsync(
        SubscriptionId id, HttpRequest request, IClusterClient grains, CancellationToken cancellationToken) =>
        JsonBody.HandleAsync(request, optional: true, ActionRequestReader.ReadArchive,
            async archive => Answer(id, await Subscription(grains, id).ArchiveAsync(archive.Reason)), cancellationToken);

    /// <summary>Takes no body (whatever is sent is not read).</summary>
    private static async Task<Results<Ok<DataResponse<LogItem>>, ProblemHttpResult>> TestAsync(SubscriptionId id, IClusterClient grains)
    {
        var test = await Subscription(grains, id).TestAsync();
        if (test.Outcome != SubscriptionOutcome.Ok)
        {
            return SubscriptionProblems.For(id.ToString(), test.Outcome, test.Detail);
        }
        return TypedResults.Ok(new DataResponse<LogItem>(LogItem.From(test.Entry!)));
    }

    private static Task<Results<Ok<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult>> ReplayAsync(
        SubscriptionId id, HttpRequest request, IClusterClient grains, CancellationToken cancellationToken) =>
        JsonBody.HandleAsync(request, optional: false, body => ActionRequestReader.ReadReplay(body!.Value),
            replay => ReplayWindowAsync(id, request, grains, replay), cancellationToken);

    /// <summary>Queues the window again; how many deliveries that was goes in the X-Replayed-Deliveries header.</summary>
    private static async Task<Results<Ok<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult>> ReplayWindowAsync(
        SubscriptionId id, HttpRequest request, IClusterClient grains, ReplayRequest replay)
    {
        var replayed = await Subscription(grains, id).ReplayAsync(replay.Since, replay.Until, replay.OnlyFailed ?? false);
        if (replayed.Outcome != SubscriptionOutcome.Ok)
        {
            return SubscriptionProblems.For(id.ToString(), replayed.Outcome, replayed.Detail);
        }
        request.HttpContext.Response.Headers["X-Replayed-Deliveries"] = replayed.Requeued.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Ok(new DataResponse<SubscriptionItem>(SubscriptionItem.From(replayed.View!)));
    }

    public sealed record DeliveryRetryItem(string EventId, string State, string PreviousState, string? Detail);

    private static async Task<Results<Accepted<DataResponse<DeliveryRetryItem>>, ProblemHttpResult>> RetryDeliveryAsync(
        long id, string eventId, IClusterClient grains, HttpContext context)
    {
        var text = SubscriptionProblems.RequestedId(context);
        if (id <= 0)
        {
            return SubscriptionProblems.UnknownId(text);
        }
        var retry = await grains.GetGrain<ISubscriptionGrain>(id).RetryDeliveryAsync(eventId);
        if (retry is { Outcome: SubscriptionOutcome.NotFound, Detail: not null })
        {
            return SubscriptionProblems.NoDelivery(text, eventId);
        }
        if (retry.Outcome != SubscriptionOutcome.Ok)
        {
            return SubscriptionProblems.For(text, retry.Outcome, retry.Detail);
        }
        return TypedResults.Accepted($"{SubscriptionItem.BasePath}/{id}/logs?eventId={Uri.EscapeDataString(eventId)}",
            new DataResponse<DeliveryRetryItem>(new DeliveryRetryItem(eventId, WireText.Of(DeliveryState.Pending), WireText.Of(retry.PreviousState!.Value), retry.Detail)));
    }
}
