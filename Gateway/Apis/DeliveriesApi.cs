using EventsSubscriptions.Grains.Interfaces.Text;
using EventsSubscriptions.Grains.Interfaces.Webhooks;

namespace EventsSubscriptions.Gateway.Apis;

/// <summary>
/// <c>/rest/v1/events-subscriptions/{id}/deliveries</c> (ext): what a subscription queued, in what
/// state, and one delivery as it is sent (the body, and the request's headers with the signatures
/// hidden), for operators and the console.
/// </summary>
public static class DeliveriesApi
{
    private static readonly IReadOnlyList<string> States = WireText.All<DeliveryState>();

    public sealed record DeliveryItem(
        string EventId, string Event, string EntityKey, long EntitySequence, string State, int Attempts,
        DateTime? NextAttemptOn, DateTime CreatedOn);

    public sealed record DeliveryListMeta(long Count, int ItemCount, int Limit, int Offset, DateTime? OldestPendingOn);

    public sealed record DeliveryList(DeliveryListMeta Meta, IReadOnlyList<DeliveryItem> Data);

    public sealed record DeliveryRequest(string Method, string Url, IReadOnlyDictionary<string, string> Headers, JsonNode? Body);

    public sealed record DeliveryDetail(DeliveryItem Delivery, DeliveryRequest Request);

    public static IEndpointRouteBuilder MapDeliveriesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup($"{SubscriptionItem.BasePath}/{{id:long}}/deliveries").WithTags("Events subscriptions")
            .RequireAuthorization(Scopes.SubscriptionsRead)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapGet("", ListAsync).WithName("ListDeliveries")
            .WithSummary("The subscription's deliveries, newest first.")
            .WithDescription("state= PENDING, SUCCEEDED, EXHAUSTED or CANCELLED; limit (1-1000, default 100), offset. meta.oldestPendingOn: when the oldest delivery still pending was queued.");
        // The request's body is an entity: it needs entities:read as well.
        group.MapGet("{eventId}", GetAsync).RequireAuthorization(Scopes.EntitiesRead).WithName("GetDelivery")
            .WithSummary("One delivery: its state and the request as it is sent (body, headers; signatures hidden).");
        return app;
    }

    private static async Task<Results<Ok<DeliveryList>, ValidationProblem, ProblemHttpResult>> ListAsync(
        long id, string? state, int? limit, int? offset, IClusterClient grains, HttpContext context)
    {
        var errors = new ValidationErrors();
        if (state is not null && !States.Contains(state, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add("state", $"must be one of {string.Join(", ", States)}");
        }
        if (limit is < 1 or > 1000)
        {
            errors.Add("limit", "must be an integer from 1 to 1000");
        }
        if (offset is < 0)
        {
            errors.Add("offset", "must be an integer of at least 0");
        }
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        if (await grains.GetGrain<ISubscriptionGrain>(id).GetAsync() is null)
        {
            return SubscriptionProblems.UnknownId(context);
        }
        var page = await grains.GetGrain<ISubscriptionQueryGrain>(0).DeliveriesAsync(id, state?.ToUpperInvariant(), limit ?? 100, offset ?? 0);
        var items = page.Items.Select(Item).ToList();
        return TypedResults.Ok(new DeliveryList(
            new DeliveryListMeta(page.Count, items.Count, limit ?? 100, offset ?? 0, page.OldestPendingOn?.UtcDateTime), items));
    }

    private static async Task<Results<Ok<DataResponse<DeliveryDetail>>, ProblemHttpResult>> GetAsync(long id, string eventId, IClusterClient grains, HttpContext context)
    {
        if (await grains.GetGrain<ISubscriptionGrain>(id).GetAsync() is not { } subscription)
        {
            return SubscriptionProblems.UnknownId(context);
        }
        if (await grains.GetGrain<ISubscriptionQueryGrain>(0).DeliveryAsync(id, eventId) is not { } delivery)
        {
            return SubscriptionProblems.NoDelivery(id.ToString(System.Globalization.CultureInfo.InvariantCulture), eventId);
        }
        var spec = subscription.Spec;
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Content-Type"] = "application/json",
            [spec.SecretHeaderName] = spec.HeaderMode == SecretHeaderMode.Secret
                ? "(the secret: hidden)"
                : "(HMAC-SHA512 of the body with the secret: hidden)",
            [WebhookHeaders.Id] = WebhookHeaders.DeliveryId(id, delivery.EventId),
            [WebhookHeaders.Timestamp] = "(the Unix time of each attempt)",
            [WebhookHeaders.Signature] = "(v1,… HMAC-SHA256: hidden)",
            [WebhookHeaders.Language] = spec.Language,
            [WebhookHeaders.UserAgent] = "EventsSubscriptions/<version>",
        };
        foreach (var name in spec.HeaderNames)
        {
            headers[name] = "(write-only: hidden)";
        }
        JsonNode? body;
        try
        {
            body = JsonNode.Parse(delivery.Body ?? "null");
        }
        catch (System.Text.Json.JsonException)
        {
            body = JsonValue.Create(delivery.Body);
        }
        return TypedResults.Ok(new DataResponse<DeliveryDetail>(new DeliveryDetail(Item(delivery), new DeliveryRequest("POST", spec.Url, headers, body))));
    }

    private static DeliveryItem Item(DeliveryRecord record) => new(
        record.EventId, record.EventName, record.EntityKey, record.EntitySequence, WireText.Of(record.State), record.Attempts,
        record.NextAttemptOn?.UtcDateTime, record.CreatedOn.UtcDateTime);
}
