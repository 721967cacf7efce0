using System.Globalization;
using System.Text.Json;
using EventsSubscriptions.Gateway.Hosting;
using EventsSubscriptions.Grains.Interfaces.Ids;
using Microsoft.OpenApi;

namespace EventsSubscriptions.Gateway.Apis;

/// <summary>
/// <c>/rest/v1/events-subscriptions</c>: create, read, list, replace, patch, and one operation per
/// action, each with its own body. Ids are taken by the <c>subscriptionId</c> route constraint; a
/// path id that is not one reaches <see cref="MapMalformedIds"/>. Every refusal of a grain is answered
/// by <see cref="SubscriptionProblems"/>.
/// </summary>
public static partial class SubscriptionsApi
{
    private const string Id = $"{{id:{SubscriptionIdConstraint.Name}}}";

    /// <summary>The actions, each its own operation; another name is a 404 that lists them.</summary>
    private static readonly string[] Actions = ["suspend", "enable", "archive", "test", "replay", "backfill", "cancel-backfill"];

    public static IEndpointRouteBuilder MapSubscriptionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(SubscriptionItem.BasePath).WithTags("Events subscriptions")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesValidationProblem();

        // A subscription sends a resource's entities to a URL: making or changing one needs the
        // right to read those entities too.
        group.MapPost("", CreateAsync).RequireAuthorization(Scopes.SubscriptionsWrite, Scopes.EntitiesRead)
            .WithName("CreateSubscription").WithSummary("Create an events subscription.")
            .Accepts<SubscriptionRequest>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        MapPreview(group);
        group.MapGet("", ListAsync).RequireAuthorization(Scopes.SubscriptionsRead)
            .WithName("ListSubscriptions")
            .WithSummary("List events subscriptions.")
            .WithDescription("Filters: id, customId, name, status, createdOn, updatedOn, as field=, field:not=, field:in=a,b, " +
                             "field:contains=, field:startswith=, field:endswith=, field:gt= (gte, lt, lte). sort=field,-field. " +
                             "limit (1-1000, default 100), offset. Archived subscriptions only with includeInactive=true " +
                             "or a status filter naming ARCHIVED.");
        group.MapGet(Id, GetAsync).RequireAuthorization(Scopes.SubscriptionsRead)
            .WithName("GetSubscription").WithSummary("Read one events subscription; include=logs adds its newest 100 log entries.");
        group.MapGet($"{Id}/logs", LogsAsync).RequireAuthorization(Scopes.SubscriptionsRead)
            .WithName("SubscriptionLogs")
            .WithSummary("The delivery log, newest first: one entry per attempt (and per cancelled delivery).")
            .WithDescription("Filters: outcome (SUCCEEDED, FAILED, RETRY_SCHEDULED, EXHAUSTED, CANCELLED), since, until (ISO 8601), eventId; limit, offset.");
        group.MapPut(Id, ReplaceAsync).RequireAuthorization(Scopes.SubscriptionsWrite, Scopes.EntitiesRead)
            .WithName("ReplaceSubscription").WithSummary("Replace an events subscription (same rules as create; the secret is required).")
            .Accepts<SubscriptionRequest>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapPatch(Id, PatchAsync).RequireAuthorization(Scopes.SubscriptionsWrite, Scopes.EntitiesRead)
            .WithName("PatchSubscription").WithSummary("Change some fields (JSON merge patch; null resets an optional field).")
            .Accepts<JsonObject>("application/merge-patch+json", "application/json")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        Action(group.MapPost($"{Id}/actions/suspend", SuspendAsync), "suspend", "Suspend: ACTIVE to SUSPENDED.",
                "Events keep being queued; nothing is sent until enable. The body's reason is required and shown as statusReason.")
            .DocumentsBody<SuspendRequest>(required: true);
        Action(group.MapPost($"{Id}/actions/enable", EnableAsync), "enable", "Enable: SUSPENDED to ACTIVE.",
            "The queued deliveries are sent, each entity in order; the failure counters reset.");
        Action(group.MapPost($"{Id}/actions/archive", ArchiveAsync), "archive", "Archive (final).",
                "Pending deliveries are cancelled and logged CANCELLED; the customId is free again. The body's reason is optional.")
            .DocumentsBody<ArchiveRequest>(required: false);
        Action(group.MapPost($"{Id}/actions/test", TestAsync), "test", "Send a test call now.",
            "One signed entity:<resource>:test call with an empty data object; answers its log entry.");
        Action(group.MapPost($"{Id}/actions/replay", ReplayAsync), "replay", "Queue again a window of deliveries.",
                "Everything the subscription queued between since and until (only the exhausted ones with onlyFailed) is sent again, " +
                "from attempt 1. The number queued again is in X-Replayed-Deliveries.")
            .DocumentsBody<ReplayRequest>(required: true);

        MapBackfill(group);

        group.MapPost("{id:long}/deliveries/{eventId}/actions/retry", RetryDeliveryAsync).RequireAuthorization(Scopes.SubscriptionsWrite)
            .WithName("RetryDelivery")
            .WithSummary("Send one delivery again now.")
            .WithDescription("A delivery waiting for its next attempt is made due at once (its attempt count is kept); one that finished " +
                             "(SUCCEEDED, EXHAUSTED, CANCELLED) is queued again from its first attempt. It still goes after the earlier " +
                             "deliveries of its entity. 202 with the delivery's previous state; 404 when the subscription has no delivery of " +
                             "that event; 409 when the subscription is archived. While suspended, the delivery waits for enable.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        // Without this, DELETE would reach the entities API's /rest/v1/{resource}/{id}.
        group.MapDelete("{id}", (HttpContext context) =>
        {
            context.Response.Headers.Allow = "GET, PUT, PATCH";
            return TypedResults.Problem("An events subscription is not deleted: archive it with POST " +
                $"{SubscriptionItem.BasePath}/{{id}}/actions/archive (archiving is final and keeps its log).",
                statusCode: StatusCodes.Status405MethodNotAllowed, title: "Method Not Allowed",
                type: "https://tools.ietf.org/html/rfc9110#section-15.5.6");
        }).ExcludeFromDescription();
        MapMalformedIds(group);
        return app;
    }

    /// <summary>What every action operation shares: its scope, its name (<c>SuspendSubscription</c>…) and its refusals.</summary>
    private static RouteHandlerBuilder Action(RouteHandlerBuilder action, string name, string summary, string description) =>
        action.RequireAuthorization(Scopes.SubscriptionsWrite)
            .WithName($"{char.ToUpperInvariant(name[0])}{name[1..]}Subscription")
            .WithSummary(summary)
            .WithDescription(description)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

    /// <summary>
    /// Documents <typeparamref name="T"/> as the JSON body of an action whose handler reads its body
    /// itself. Unlike <c>Accepts</c>, it leaves routing alone: a request without a JSON body still
    /// reaches the action, whose answer (400, 415) says what is wrong with it.
    /// </summary>
    private static RouteHandlerBuilder DocumentsBody<T>(this RouteHandlerBuilder action, bool required) =>
        action.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            // A component of the document, as the bodies Accepts describes are.
            var document = context.Document!;
            var name = typeof(T).Name;
            if (document.Components?.Schemas?.ContainsKey(name) != true)
            {
                document.AddComponent<IOpenApiSchema>(name, await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken));
            }
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = required,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(name, document) } },
            };
        });

    private static Task<Results<Created<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        HttpRequest request, IClusterClient grains, SubscriptionRequestReader reader, GatewaySettings settings, CancellationToken cancellationToken) =>
        JsonBody.HandleAsync(request, optional: false, SubscriptionBody(reader),
            read => CreateWithinQuotaAsync(request, grains, settings, read), cancellationToken);

    /// <summary>Creates the subscription read from the body, unless its caller or its tenant holds as many as it may.</summary>
    private static async Task<Results<Created<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult>> CreateWithinQuotaAsync(
        HttpRequest request, IClusterClient grains, GatewaySettings settings, SubscriptionReading read)
    {
        // The quota is read before the create: concurrent creates of one caller can pass it by their number.
        var caller = CallerRateLimiting.Caller(request.HttpContext);
        var tenant = TenantResolution.Of(request.HttpContext);
        var quota = settings.For(caller).MaxSubscriptions;
        var queries = grains.GetGrain<ISubscriptionQueryGrain>(0);
        if (await queries.CountLiveByCallerAsync(tenant, caller) >= quota)
        {
            return Problems.Conflict($"Caller '{caller}' holds {quota} subscriptions that are not archived, its limit: archive some before creating more.");
        }
        if (settings.ForTenant(tenant)?.MaxSubscriptions is { } tenantQuota && await queries.CountLiveOfTenantAsync(tenant) >= tenantQuota)
        {
            return Problems.Conflict($"This tenant holds {tenantQuota} subscriptions that are not archived, its limit: archive some before creating more.");
        }
        var id = await grains.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync();
        RequestContext.Set(CallerContext.Key, caller);
        SubscriptionResult result;
        try
        {
            result = await grains.GetGrain<ISubscriptionGrain>(id).CreateAsync(read.Spec!, read.Secret!, read.Headers);
        }
        finally
        {
            RequestContext.Remove(CallerContext.Key);
        }
        if (result.Outcome != SubscriptionOutcome.Ok)
        {
            return SubscriptionProblems.For(id.ToString(CultureInfo.InvariantCulture), result.Outcome, result.Detail, result.Errors);
        }
        return TypedResults.Created($"{SubscriptionItem.BasePath}/{id}", new DataResponse<SubscriptionItem>(SubscriptionItem.From(result.View!))
        {
            Warnings = await RegionWarnings.ForAsync(grains, tenant, result.View!.Spec),
        });
    }

    private static async Task<Results<Ok<ListResponse<SubscriptionItem>>, ValidationProblem>> ListAsync(HttpRequest request, IClusterClient grains)
    {
        var (query, errors) = ListQueryReader.Read(request.Query);
        if (query is null)
        {
            return Problems.Validation(errors);
        }
        var page = await grains.GetGrain<ISubscriptionQueryGrain>(0).ListAsync(TenantResolution.Of(request.HttpContext), query);
        var items = page.Items.Select(SubscriptionItem.From).ToList();
        return TypedResults.Ok(new ListResponse<SubscriptionItem>(new ListMeta(page.Count, items.Count, query.Limit, query.Offset), items));
    }

    private static async Task<Results<Ok<DataResponse<SubscriptionItem>>, Ok<DataResponse<JsonObject>>, ValidationProblem, ProblemHttpResult>> GetAsync(
        SubscriptionId id, HttpRequest request, IClusterClient grains)
    {
        var (includeLogs, errors) = ItemQueryReader.Read(request.Query);
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        if (await Subscription(grains, id).GetAsync() is not { } view)
        {
            return SubscriptionProblems.UnknownId(id.ToString());
        }
        var item = SubscriptionItem.From(view);
        if (!includeLogs)
        {
            return TypedResults.Ok(new DataResponse<SubscriptionItem>(item));
        }
        var page = await grains.GetGrain<ISubscriptionQueryGrain>(0).LogsAsync(id.Value, new DeliveryLogQuery(100, 0, null, null, null, null));
        var withLogs = JsonSerializer.SerializeToNode(item, request.HttpContext.JsonOptions())!.AsObject();
        withLogs["logs"] = JsonSerializer.SerializeToNode(page.Entries.Select(LogItem.From).ToList(), request.HttpContext.JsonOptions());
        return TypedResults.Ok(new DataResponse<JsonObject>(withLogs));
    }

    private static async Task<Results<Ok<ListResponse<LogItem>>, ValidationProblem, ProblemHttpResult>> LogsAsync(
        SubscriptionId id, HttpRequest request, IClusterClient grains)
    {
        var (query, errors) = LogQueryReader.Read(request.Query);
        if (query is null)
        {
            return Problems.Validation(errors);
        }
        if (await Subscription(grains, id).GetAsync() is null)
        {
            return SubscriptionProblems.UnknownId(id.ToString());
        }
        var page = await grains.GetGrain<ISubscriptionQueryGrain>(0).LogsAsync(id.Value, query);
        var items = page.Entries.Select(LogItem.From).ToList();
        return TypedResults.Ok(new ListResponse<LogItem>(new ListMeta(page.Count, items.Count, query.Limit, query.Offset), items));
    }

    private static Task<Results<Ok<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult>> ReplaceAsync(
        SubscriptionId id, HttpRequest request, IClusterClient grains, SubscriptionRequestReader reader, CancellationToken cancellationToken) =>
        JsonBody.HandleAsync(request, optional: false, SubscriptionBody(reader),
            async read => await AnswerChangeAsync(grains, request, id,
                await Subscription(grains, id).UpdateAsync(read.Spec!, read.Secret, read.Headers, expectedVersion: null)),
            cancellationToken);

    /// <summary>
    /// The grain merges the patch onto the subscription and checks the result, one change at a time;
    /// the body has no reader of its own: only one that is not an object is refused here (a plain 400).
    /// </summary>
    private static Task<Results<Ok<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult>> PatchAsync(
        SubscriptionId id, HttpRequest request, IClusterClient grains, CancellationToken cancellationToken) =>
        JsonBody.HandleAsync(request, optional: false, body => (body!.Value, new ValidationErrors()), async patch =>
            patch.ValueKind != JsonValueKind.Object
                ? Problems.BadRequest("A merge patch must be a JSON object.")
                : await AnswerChangeAsync(grains, request, id, await Subscription(grains, id).PatchAsync(patch.GetRawText())),
            cancellationToken);

    /// <summary>Reads a subscription's body as create and replace take it: the whole subscription, its secret required.</summary>
    private static Func<JsonElement?, (SubscriptionReading? Request, ValidationErrors Errors)> SubscriptionBody(SubscriptionRequestReader reader) =>
        body =>
        {
            var read = reader.Read(body!.Value, secretRequired: true);
            return (read, read.Errors);
        };

    /// <summary>A change's answer: the subscription as it is now, or the grain's refusal.</summary>
    private static Results<Ok<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult> Answer(SubscriptionId id, SubscriptionResult result)
    {
        if (result.Outcome != SubscriptionOutcome.Ok)
        {
            return SubscriptionProblems.For(id, result);
        }
        return TypedResults.Ok(new DataResponse<SubscriptionItem>(SubscriptionItem.From(result.View!)));
    }

    /// <summary>A change's answer, with a warning for each region its scope names that does not exist.</summary>
    private static async Task<Results<Ok<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult>> AnswerChangeAsync(
        IClusterClient grains, HttpRequest request, SubscriptionId id, SubscriptionResult result)
    {
        if (result.Outcome != SubscriptionOutcome.Ok)
        {
            return SubscriptionProblems.For(id, result);
        }
        return TypedResults.Ok(new DataResponse<SubscriptionItem>(SubscriptionItem.From(result.View!))
        {
            Warnings = await RegionWarnings.ForAsync(grains, TenantResolution.Of(request.HttpContext), result.View!.Spec),
        });
    }

    private static ISubscriptionGrain Subscription(IClusterClient grains, SubscriptionId id) => grains.GetGrain<ISubscriptionGrain>(id.Value);

    private static JsonSerializerOptions JsonOptions(this HttpContext context) =>
        context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
}
