using System.Text.Json;
using System.Text.Json.Nodes;
using EventsSubscriptions.Gateway.Auth;
using EventsSubscriptions.Gateway.Hosting;
using EventsSubscriptions.Gateway.Subscriptions;
using EventsSubscriptions.Grains.Interfaces.Ids;
using EventsSubscriptions.Grains.Interfaces.Json;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventsSubscriptions.Gateway.Apis;

/// <summary><c>/rest/v1/events-subscriptions</c>: create, read, list, replace, patch, and the status actions.</summary>
public static class SubscriptionsApi
{
    private static readonly string[] Actions = ["suspend", "enable", "archive", "test", "replay"];

    /// <summary>How many times a PATCH is merged again when another change landed first, before it answers 409.</summary>
    private const int MaxPatchAttempts = 20;

    public static IEndpointRouteBuilder MapSubscriptionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(SubscriptionItem.BasePath).WithTags("Events subscriptions")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesValidationProblem();

        group.MapPost("", CreateAsync).RequireAuthorization(Scopes.SubscriptionsWrite)
            .WithName("CreateSubscription").WithSummary("Create an events subscription.")
            .Accepts<SubscriptionRequest>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapGet("", ListAsync).RequireAuthorization(Scopes.SubscriptionsRead)
            .WithName("ListSubscriptions")
            .WithSummary("List events subscriptions.")
            .WithDescription("Filters: id, customId, name, status, createdOn, updatedOn, as field=, field:not=, field:in=a,b, " +
                             "field:contains=, field:startswith=, field:endswith=, field:gt= (gte, lt, lte). sort=field,-field. " +
                             "limit (1-1000, default 100), offset. Archived subscriptions only with includeInactive=true " +
                             "or a status filter naming ARCHIVED.");
        group.MapGet("{id}", GetAsync).RequireAuthorization(Scopes.SubscriptionsRead)
            .WithName("GetSubscription").WithSummary("Read one events subscription; include=logs adds its newest 100 log entries.");
        group.MapGet("{id}/logs", LogsAsync).RequireAuthorization(Scopes.SubscriptionsRead)
            .WithName("SubscriptionLogs")
            .WithSummary("The delivery log, newest first: one entry per attempt (and per cancelled delivery).")
            .WithDescription("Filters: outcome (SUCCEEDED, FAILED, RETRY_SCHEDULED, EXHAUSTED, CANCELLED), since, until (ISO 8601), eventId; limit, offset.");
        group.MapPut("{id}", ReplaceAsync).RequireAuthorization(Scopes.SubscriptionsWrite)
            .WithName("ReplaceSubscription").WithSummary("Replace an events subscription (same rules as create; the secret is required).")
            .Accepts<SubscriptionRequest>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapPatch("{id}", PatchAsync).RequireAuthorization(Scopes.SubscriptionsWrite)
            .WithName("PatchSubscription").WithSummary("Change some fields (JSON merge patch; null resets an optional field).")
            .Accepts<JsonObject>("application/merge-patch+json", "application/json")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
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
        // One operation per action, each with its own body; an unknown action name is a 404 that lists them.
        MapAction(group, "suspend", "Suspend: ACTIVE to SUSPENDED.",
            "Events keep being queued; nothing is sent until enable. The body's reason is required and shown as statusReason.")
            .Accepts<ActionRequest>("application/json");
        MapAction(group, "enable", "Enable: SUSPENDED to ACTIVE.", "The queued deliveries are sent, each entity in order; the failure counters reset.");
        MapAction(group, "archive", "Archive (final).",
            "Pending deliveries are cancelled and logged CANCELLED; the customId is free again. The body's reason is optional.")
            .Accepts<ActionRequest>("application/json");
        MapAction(group, "test", "Send a test call now.", "One signed entity:<resource>:test call with an empty data object; answers its log entry.");
        MapAction(group, "replay", "Queue again a window of deliveries.",
            "Everything the subscription queued between since and until (only the exhausted ones with onlyFailed) is sent again, from attempt 1.")
            .Accepts<ReplayRequest>("application/json");
        group.MapPost("{id}/actions/{action}", ActAsync).RequireAuthorization(Scopes.SubscriptionsWrite).ExcludeFromDescription();
        return app;
    }

    private static async Task<Results<Created<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        HttpRequest request, IClusterClient grains, SubscriptionRequestReader reader, GatewaySettings settings, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request, optional: false, cancellationToken);
        if (problem is not null)
        {
            return (ProblemHttpResult)problem;
        }
        var read = reader.Read(body!.Value, secretRequired: true);
        if (read.Errors.Any)
        {
            return Problems.Validation(read.Errors);
        }
        // The quota is read before the create: concurrent creates of one caller can pass it by their number.
        var caller = CallerRateLimiting.Caller(request.HttpContext);
        var quota = settings.For(caller).MaxSubscriptions;
        if (await grains.GetGrain<ISubscriptionQueryGrain>(0).CountLiveByCallerAsync(caller) >= quota)
        {
            return Problems.Conflict($"Caller '{caller}' holds {quota} subscriptions that are not archived, its limit: archive some before creating more.");
        }
        var id = await grains.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync();
        RequestContext.Set(CallerContext.Key, caller);
        SubscriptionResult result;
        try
        {
            result = await grains.GetGrain<ISubscriptionGrain>(id).CreateAsync(read.Spec!, read.Secret!);
        }
        finally
        {
            RequestContext.Remove(CallerContext.Key);
        }
        if (result.Outcome != SubscriptionOutcome.Ok)
        {
            return Failure(result);
        }
        return TypedResults.Created($"{SubscriptionItem.BasePath}/{id}", new DataResponse<SubscriptionItem>(SubscriptionItem.From(result.View!)));
    }

    private static async Task<Results<Ok<ListResponse<SubscriptionItem>>, ValidationProblem>> ListAsync(HttpRequest request, IClusterClient grains)
    {
        var (query, errors) = ListQueryReader.Read(request.Query);
        if (query is null)
        {
            return Problems.Validation(errors);
        }
        var page = await grains.GetGrain<ISubscriptionQueryGrain>(0).ListAsync(query);
        var items = page.Items.Select(SubscriptionItem.From).ToList();
        return TypedResults.Ok(new ListResponse<SubscriptionItem>(new ListMeta(page.Count, items.Count, query.Limit, query.Offset), items));
    }

    private static async Task<Results<Ok<DataResponse<SubscriptionItem>>, Ok<DataResponse<JsonObject>>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string id, HttpRequest request, IClusterClient grains)
    {
        var include = request.Query["include"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        var errors = new ValidationErrors();
        foreach (var unknown in include.Where(i => i != "logs"))
        {
            errors.Add("include", $"'{unknown}' cannot be included; the only include is logs");
        }
        foreach (var name in request.Query.Keys.Where(k => k != "include"))
        {
            errors.Add(name, "is not a parameter of this endpoint (include)");
        }
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        if (!TryId(id, out var key) || await grains.GetGrain<ISubscriptionGrain>(key).GetAsync() is not { } view)
        {
            return UnknownId(id);
        }
        var item = SubscriptionItem.From(view);
        if (include.Count == 0)
        {
            return TypedResults.Ok(new DataResponse<SubscriptionItem>(item));
        }
        var page = await grains.GetGrain<ISubscriptionQueryGrain>(0).LogsAsync(key, new DeliveryLogQuery(100, 0, null, null, null, null));
        var withLogs = JsonSerializer.SerializeToNode(item, request.HttpContext.JsonOptions())!.AsObject();
        withLogs["logs"] = JsonSerializer.SerializeToNode(page.Entries.Select(LogItem.From).ToList(), request.HttpContext.JsonOptions());
        return TypedResults.Ok(new DataResponse<JsonObject>(withLogs));
    }

    private static async Task<Results<Ok<ListResponse<LogItem>>, ValidationProblem, ProblemHttpResult>> LogsAsync(
        string id, HttpRequest request, IClusterClient grains)
    {
        var errors = new ValidationErrors();
        var query = request.Query;
        int Number(string name, int fallback, int min, int max)
        {
            if (!query.TryGetValue(name, out var text))
            {
                return fallback;
            }
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }
            errors.Add(name, $"must be an integer from {min} to {max}");
            return fallback;
        }
        DateTimeOffset? Date(string name)
        {
            if (!query.TryGetValue(name, out var text))
            {
                return null;
            }
            if (EventsSubscriptions.Grains.Interfaces.Filters.FilterValues.TryParseDate(text.ToString(), out var date))
            {
                return date;
            }
            errors.Add(name, "must be a date (yyyy-MM-dd or ISO 8601)");
            return null;
        }
        var limit = Number("limit", ListQueryReader.DefaultLimit, 1, ListQueryReader.MaxLimit);
        var offset = Number("offset", 0, 0, int.MaxValue);
        var since = Date("since");
        var until = Date("until");
        string? outcome = query["outcome"].ToString() is { Length: > 0 } o ? o.ToUpperInvariant() : null;
        if (outcome is not null && !DeliveryText.Outcomes.Contains(outcome))
        {
            errors.Add("outcome", "must be SUCCEEDED, FAILED, RETRY_SCHEDULED, EXHAUSTED or CANCELLED");
        }
        string? eventId = query["eventId"].ToString() is { Length: > 0 } e ? e : null;
        foreach (var name in query.Keys.Where(k => k is not ("limit" or "offset" or "since" or "until" or "outcome" or "eventId")))
        {
            errors.Add(name, "is not a parameter of the log (limit, offset, outcome, since, until, eventId)");
        }
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        if (!TryId(id, out var key) || await grains.GetGrain<ISubscriptionGrain>(key).GetAsync() is null)
        {
            return UnknownId(id);
        }
        var page = await grains.GetGrain<ISubscriptionQueryGrain>(0).LogsAsync(key, new DeliveryLogQuery(limit, offset, outcome, since, until, eventId));
        var items = page.Entries.Select(LogItem.From).ToList();
        return TypedResults.Ok(new ListResponse<LogItem>(new ListMeta(page.Count, items.Count, limit, offset), items));
    }

    private static async Task<Results<Ok<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult>> ReplaceAsync(
        string id, HttpRequest request, IClusterClient grains, SubscriptionRequestReader reader, CancellationToken cancellationToken)
    {
        if (!TryId(id, out var key))
        {
            return UnknownId(id);
        }
        var (body, problem) = await JsonBody.ReadAsync(request, optional: false, cancellationToken);
        if (problem is not null)
        {
            return (ProblemHttpResult)problem;
        }
        var read = reader.Read(body!.Value, secretRequired: true);
        if (read.Errors.Any)
        {
            return Problems.Validation(read.Errors);
        }
        return Outcome(await grains.GetGrain<ISubscriptionGrain>(key).UpdateAsync(read.Spec!, read.Secret, expectedVersion: null));
    }

    private static async Task<Results<Ok<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult>> PatchAsync(
        string id, HttpRequest request, IClusterClient grains, SubscriptionRequestReader reader, CancellationToken cancellationToken)
    {
        if (!TryId(id, out var key))
        {
            return UnknownId(id);
        }
        var (body, problem) = await JsonBody.ReadAsync(request, optional: false, cancellationToken);
        if (problem is not null)
        {
            return (ProblemHttpResult)problem;
        }
        if (body!.Value.ValueKind != JsonValueKind.Object)
        {
            return Problems.BadRequest("A merge patch must be a JSON object.");
        }
        var patch = JsonNode.Parse(body.Value.GetRawText())!.AsObject();
        var grain = grains.GetGrain<ISubscriptionGrain>(key);
        // Built from the version read; if another change lands in between, read and merge again.
        for (var attempt = 0; ; attempt++)
        {
            if (await grain.GetAsync() is not { } view)
            {
                return UnknownId(id);
            }
            var current = JsonSerializer.SerializeToNode(SubscriptionItem.From(view), request.HttpContext.JsonOptions())!.AsObject();
            foreach (var field in SubscriptionItem.ServiceFields)
            {
                current.Remove(field);
            }
            var merged = MergePatch.Apply(current, patch);
            var read = reader.Read(JsonSerializer.SerializeToElement(merged), secretRequired: false);
            if (read.Errors.Any)
            {
                return Problems.Validation(read.Errors);
            }
            var result = await grain.UpdateAsync(read.Spec!, read.Secret, view.Version);
            if (result.Outcome != SubscriptionOutcome.VersionMismatch || attempt >= MaxPatchAttempts)
            {
                return Outcome(result);
            }
            // Another change landed first: back off a little (more each time, with jitter, so that
            // concurrent patches do not keep colliding), read again and merge again.
            await Task.Delay(Random.Shared.Next(5, 20 * (attempt + 1)));
        }
    }

    private static async Task<Results<Ok<DataResponse<SubscriptionItem>>, Ok<DataResponse<LogItem>>, ValidationProblem, ProblemHttpResult>> ActAsync(
        string id, string action, HttpRequest request, IClusterClient grains, CancellationToken cancellationToken)
    {
        if (!TryId(id, out var key))
        {
            return UnknownId(id);
        }
        if (!Actions.Contains(action))
        {
            return Problems.NotFound($"There is no action '{action}'; the actions are {string.Join(", ", Actions)}.");
        }
        if (action == "test")
        {
            var tested = grains.GetGrain<ISubscriptionGrain>(key);
            if (await tested.GetAsync() is not { } current)
            {
                return UnknownId(id);
            }
            return await tested.TestAsync() is { } entry
                ? TypedResults.Ok(new DataResponse<LogItem>(LogItem.From(entry)))
                : Problems.Conflict($"'test' does not apply to a subscription that is {current.Status.ToString().ToUpperInvariant()}");
        }
        if (action == "replay")
        {
            return await ReplayAsync(id, key, request, grains, cancellationToken);
        }
        var (body, problem) = await JsonBody.ReadAsync(request, optional: action != "suspend", cancellationToken);
        if (problem is not null)
        {
            return (ProblemHttpResult)problem;
        }
        var errors = new ValidationErrors();
        var reason = ReadReason(body, required: action == "suspend", allowed: action != "enable", errors);
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        var grain = grains.GetGrain<ISubscriptionGrain>(key);
        var result = action switch
        {
            "suspend" => await grain.SuspendAsync(reason!),
            "enable" => await grain.EnableAsync(),
            _ => await grain.ArchiveAsync(reason),
        };
        return ActionOutcome(result);
    }

    private static async Task<Results<Ok<DataResponse<SubscriptionItem>>, Ok<DataResponse<LogItem>>, ValidationProblem, ProblemHttpResult>> ReplayAsync(
        string id, long key, HttpRequest request, IClusterClient grains, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request, optional: false, cancellationToken);
        if (problem is not null)
        {
            return (ProblemHttpResult)problem;
        }
        var errors = new ValidationErrors();
        DateTimeOffset? since = null, until = null;
        var onlyFailed = false;
        if (body!.Value.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "the body must be a JSON object {since, until, onlyFailed}");
        }
        else
        {
            foreach (var property in body.Value.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "since" or "until":
                        if (property.Value.ValueKind == JsonValueKind.String
                            && EventsSubscriptions.Grains.Interfaces.Filters.FilterValues.TryParseDate(property.Value.GetString()!, out var date))
                        {
                            if (property.Name == "since") { since = date; } else { until = date; }
                        }
                        else if (property.Value.ValueKind != JsonValueKind.Null)
                        {
                            errors.Add(property.Name, "must be a date (yyyy-MM-dd or ISO 8601)");
                        }
                        break;
                    case "onlyFailed":
                        if (property.Value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                        {
                            onlyFailed = property.Value.GetBoolean();
                        }
                        else if (property.Value.ValueKind != JsonValueKind.Null)
                        {
                            errors.Add("onlyFailed", "must be true or false");
                        }
                        break;
                    default:
                        errors.Add(property.Name, "is not a field of replay (since, until, onlyFailed)");
                        break;
                }
            }
            if (since is null && !errors.Raw.ContainsKey("since"))
            {
                errors.Add("since", "is required");
            }
            if (since is not null && until is not null && until <= since)
            {
                errors.Add("until", "must be after since");
            }
        }
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        var grain = grains.GetGrain<ISubscriptionGrain>(key);
        if (await grain.GetAsync() is null)
        {
            return UnknownId(id);
        }
        if (await grain.ReplayAsync(since!.Value, until, onlyFailed) is not { } requeued)
        {
            return Problems.Conflict("'replay' does not apply to a subscription that is ARCHIVED");
        }
        request.HttpContext.Response.Headers["X-Replayed-Deliveries"] = requeued.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Ok(new DataResponse<SubscriptionItem>(SubscriptionItem.From((await grain.GetAsync())!)));
    }

    private static string? ReadReason(JsonElement? body, bool required, bool allowed, ValidationErrors errors)
    {
        string? reason = null;
        if (body is { } value)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                errors.Add("$", "the body must be a JSON object");
                return null;
            }
            foreach (var property in value.EnumerateObject())
            {
                if (property.Name == "reason" && allowed)
                {
                    if (property.Value.ValueKind == JsonValueKind.String && property.Value.GetString()!.Trim().Length is > 0 and <= 255)
                    {
                        reason = property.Value.GetString()!.Trim();
                    }
                    else if (property.Value.ValueKind != JsonValueKind.Null)
                    {
                        errors.Add("reason", "must be a string of 1 to 255 characters");
                    }
                }
                else
                {
                    errors.Add(property.Name, "is not a field of this action");
                }
            }
        }
        if (required && reason is null && !errors.Raw.ContainsKey("reason"))
        {
            errors.Add("reason", "is required");
        }
        return reason;
    }

    private static Results<Ok<DataResponse<SubscriptionItem>>, Ok<DataResponse<LogItem>>, ValidationProblem, ProblemHttpResult> ActionOutcome(SubscriptionResult result) =>
        result.Outcome == SubscriptionOutcome.Ok
            ? TypedResults.Ok(new DataResponse<SubscriptionItem>(SubscriptionItem.From(result.View!)))
            : Failure(result);

    private static Results<Ok<DataResponse<SubscriptionItem>>, ValidationProblem, ProblemHttpResult> Outcome(SubscriptionResult result) =>
        result.Outcome == SubscriptionOutcome.Ok
            ? TypedResults.Ok(new DataResponse<SubscriptionItem>(SubscriptionItem.From(result.View!)))
            : Failure(result);

    private static RouteHandlerBuilder MapAction(RouteGroupBuilder group, string action, string summary, string description) =>
        group.MapPost($"{{id}}/actions/{action}", (string id, HttpRequest request, IClusterClient grains, CancellationToken cancellationToken) =>
                ActAsync(id, action, request, grains, cancellationToken))
            .RequireAuthorization(Scopes.SubscriptionsWrite)
            .WithName($"{char.ToUpperInvariant(action[0])}{action[1..]}Subscription")
            .WithSummary(summary)
            .WithDescription(description)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

    public sealed record DeliveryRetryItem(string EventId, string State, string PreviousState, string? Detail);

    private static async Task<Results<Accepted<DataResponse<DeliveryRetryItem>>, ProblemHttpResult>> RetryDeliveryAsync(
        long id, string eventId, IClusterClient grains)
    {
        if (id <= 0)
        {
            return UnknownId(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var retry = await grains.GetGrain<ISubscriptionGrain>(id).RetryDeliveryAsync(eventId);
        return retry.Outcome switch
        {
            SubscriptionOutcome.Ok => TypedResults.Accepted($"{SubscriptionItem.BasePath}/{id}/logs?eventId={Uri.EscapeDataString(eventId)}",
                new DataResponse<DeliveryRetryItem>(new DeliveryRetryItem(eventId, DeliveryText.Of(DeliveryState.Pending), retry.PreviousState!, retry.Detail))),
            SubscriptionOutcome.NotFound => Problems.NotFound(retry.Detail ?? "No such delivery."),
            _ => Problems.Conflict(retry.Detail ?? "The delivery cannot be retried now."),
        };
    }

    private static ProblemHttpResult Failure(SubscriptionResult result) => result.Outcome switch
    {
        SubscriptionOutcome.NotFound => Problems.NotFound(result.Detail ?? "No such subscription."),
        _ => Problems.Conflict(result.Detail ?? "The subscription cannot do that now."),
    };

    private static ProblemHttpResult UnknownId(string id) => Problems.NotFound($"There is no events subscription with id '{id}'.");

    private static bool TryId(string text, out long id) =>
        long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id) && id > 0;

    private static JsonSerializerOptions JsonOptions(this HttpContext context) =>
        context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
}
