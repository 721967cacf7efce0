namespace EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;

public sealed record QueuedDelivery(string EventId, string EntityKey, string EventName, JsonObject Body, long EntitySequence);

/// <summary>Drives the data API through the gateway and reads what subscriptions queued, from PostgreSQL.</summary>
/// <param name="bearer">The token to call with; by default one of the default tenant with the four scopes.</param>
public sealed class EventsClient(ServiceCluster service, string? bearer = null)
{
    private readonly string token = bearer ?? service.Token("entities:read", "entities:write", "subscriptions:read", "subscriptions:write");

    public async Task<(HttpStatusCode Status, JsonElement Body, string? EventId)> SendAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        using var response = await service.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var eventId = response.Headers.TryGetValues("X-Event-Id", out var values) ? values.Single() : null;
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), eventId);
    }

    /// <summary>Sends and insists on a 2xx; returns the event id the change fired, if any.</summary>
    public async Task<string?> OkAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        var (status, response, eventId) = await SendAsync(method, path, body);
        Assert.True((int)status is >= 200 and < 300, $"{method} {path} answered {(int)status}: {response}");
        return eventId;
    }

    public Task<string?> RegionAsync(long id, string name, long? parent) =>
        OkAsync(HttpMethod.Put, $"/rest/v1/regions/{id}", new JsonObject { ["name"] = name, ["parentRegion"] = parent });

    public async Task<long> SubscribeAsync(JsonObject body)
    {
        var (status, response, _) = await SendAsync(HttpMethod.Post, "/rest/v1/events-subscriptions", body);
        Assert.True(status == HttpStatusCode.Created, $"subscription: {(int)status} {response}");
        var id = response.Data<SubscriptionView>().Id;
        subscribed.Add(id);
        return id;
    }

    private readonly List<long> subscribed = [];

    /// <summary>
    /// Archives every subscription made through this client (its queued deliveries are cancelled):
    /// none goes on calling or retrying while later tests run on the shared cluster.
    /// </summary>
    public async Task ArchiveSubscribedAsync()
    {
        foreach (var id in subscribed)
        {
            await SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{id}/actions/archive");
        }
        subscribed.Clear();
    }

    public static JsonObject Subscription(string events, string scope, string? filters = null, string? entityResponse = null)
    {
        var body = SubscriptionsClient.ValidBody();
        body["events"] = new JsonArray(events.Split(' ').Select(e => (JsonNode)JsonValue.Create(e)!).ToArray());
        body["contextFilters"] = JsonNode.Parse(scope);
        if (filters is not null)
        {
            body["userDefinedFilters"] = JsonNode.Parse(filters);
        }
        if (entityResponse is not null)
        {
            body["entityResponse"] = JsonNode.Parse(entityResponse);
        }
        return body;
    }

    /// <summary>
    /// The deliveries a subscription queued, bodies put together in SQL from the outbox as stored
    /// (meta and an action's body in columns, data in the row or shared in delivery_body), independently of the silo's code.
    /// </summary>
    public Task<List<QueuedDelivery>> QueuedAsync(long subscriptionId) => service.RowsAsync("""
        SELECT o.event_id, o.entity_key, o.event_name,
               coalesce(o.body, json_build_object(
                   'meta', json_build_object('event', o.event_name, 'eventId', o.event_id, 'subscription', o.subscription_id,
                                             'customId', o.custom_id, 'language', o.language,
                                             'occurredOn', to_char(o.occurred_on AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
                   'data', coalesce(o.data, b.data)::json)::text),
               o.entity_seq, o.action_body
        FROM delivery_outbox o
        LEFT JOIN LATERAL (SELECT b.data FROM delivery_body b
                           WHERE b.service_id = o.service_id AND b.event_id = o.event_id AND b.shape = o.body_shape LIMIT 1) b ON true
        WHERE o.subscription_id = $1 ORDER BY o.seq
        """,
        reader => new QueuedDelivery(reader.GetString(0), reader.GetString(1), reader.GetString(2), WithAction(JsonNode.Parse(reader.GetString(3))!.AsObject(),
            reader.IsDBNull(5) ? null : reader.GetString(5)), reader.GetInt64(4)),
        subscriptionId);

    private static JsonObject WithAction(JsonObject body, string? actionBody)
    {
        if (actionBody is not null)
        {
            body["actionBody"] = JsonNode.Parse(actionBody);
        }
        return body;
    }

    /// <summary>
    /// Waits until the subscription has queued at least <paramref name="count"/> deliveries and
    /// returns them. It says nothing of deliveries queued later: to assert that nothing more comes,
    /// <see cref="SettleAsync"/> first.
    /// </summary>
    public async Task<List<QueuedDelivery>> QueuedAsync(long subscriptionId, int count, TimeSpan? timeout = null)
    {
        var rows = new List<QueuedDelivery>();
        await Eventually.HoldsAsync(async () => (rows = await QueuedAsync(subscriptionId)).Count >= count, timeout ?? TimeSpan.FromSeconds(60),
            $"subscription {subscriptionId} never queued {count} deliveries");
        return rows;
    }

    /// <summary>
    /// Returns once every event accepted so far on these entities' stream keys has been routed to
    /// every subscription it matches. The router of a key takes its events a batch at a time and
    /// takes the next batch only when every match has queued the events of the last one. A settle
    /// event fired now on each entity and seen queued by a witness subscription of its own was in
    /// a batch with (or after) all of them; a second one, fired once the first was seen, is in a
    /// later batch, so when the witness has it, every earlier event was queued wherever it
    /// matches. What a subscription has not queued of those events by then, it never queues. The
    /// entities must exist.
    /// </summary>
    public async Task SettleAsync(string resource, params long[] entities)
    {
        var witness = await SubscribeAsync(Subscription($"entity:{resource}:settled", """{"filters": [{"tag": "context.*"}]}"""));
        for (var round = 1; round <= 2; round++)
        {
            var fired = new List<string>();
            foreach (var entity in entities.Distinct())
            {
                fired.Add((await OkAsync(HttpMethod.Post, $"/rest/v1/{resource}/{entity}/actions/settled"))!);
            }
            await Eventually.HoldsAsync(async () => (await QueuedAsync(witness)).Select(q => q.EventId).ToHashSet().IsSupersetOf(fired),
                TimeSpan.FromSeconds(60), $"the routers of {resource} never reached the events fired to settle them (round {round})");
        }
        await OkAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{witness}/actions/archive");
    }
}
