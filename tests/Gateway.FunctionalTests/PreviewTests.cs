namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// <c>POST /rest/v1/events-subscriptions/actions/preview</c>: a draft's recent events, each as the
/// delivery that a subscription made of the same draft received, and the entities it selects now.
/// </summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class PreviewTests(DeliveryCluster service) : ReceivingTest(service)
{
    private readonly string resource = $"preview-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task A_preview_shows_the_body_and_headers_the_delivery_of_the_same_draft_carried()
    {
        var draft = EventsClient.Subscription($"entity:{resource}:created entity:{resource}:updated", """{"filters": [{"tag": "context.*"}]}""",
            """{"status": "active"}""", """{"fields": ["id", "name", "salary"]}""");
        draft["url"] = Receiver.Url("preview");
        draft["headers"] = new JsonObject { ["X-Api-Key"] = "api-key-0123456789" };
        var subscription = await Api.SubscribeAsync((JsonObject)draft.DeepClone());

        var ann = await CreateAsync(new JsonObject { ["name"] = "Ann", ["status"] = "active", ["salary"] = 100 });
        var bob = await CreateAsync(new JsonObject { ["name"] = "Bob", ["status"] = "inactive", ["salary"] = 200 });
        await Api.OkAsync(HttpMethod.Patch, $"/rest/v1/{resource}/{ann}", new JsonObject { ["salary"] = 150 });
        await Eventually.HoldsAsync(() => Receiver.Calls("preview").Count >= 2, TimeSpan.FromSeconds(60), "the two webhooks never arrived");
        var updated = Receiver.Calls("preview").Single(c => Encoding.UTF8.GetString(c.Body).Contains($"\"entity:{resource}:updated\""));

        var before = await SubscriptionCountAsync();
        var (status, answer, _) = await Api.SendAsync(HttpMethod.Post, "/rest/v1/events-subscriptions/actions/preview", draft);
        Assert.Equal(HttpStatusCode.OK, status);
        var data = answer.GetProperty("data");

        // Bob's last event is read, but his status does not pass the filter.
        Assert.Equal(2, data.GetProperty("window").GetProperty("eventsRead").GetInt32());
        var preview = Assert.Single(data.GetProperty("events").EnumerateArray());
        Assert.Equal($"entity:{resource}:updated", preview.GetProperty("event").GetString());
        Assert.Equal(ann, preview.GetProperty("entityId").GetInt64());
        // Byte for byte the body delivered, but for the id the draft does not have yet.
        var delivered = Encoding.UTF8.GetString(updated.Body).Replace($"\"subscription\":{subscription},", "\"subscription\":0,");
        Assert.Equal(delivered, preview.GetProperty("body").GetString());

        var headers = preview.GetProperty("headers").EnumerateArray()
            .ToDictionary(h => h.GetProperty("name").GetString()!, h => h.GetProperty("value").GetString()!, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(updated.Headers.Keys.Where(IsCallHeader).Order(StringComparer.OrdinalIgnoreCase), headers.Keys.Order(StringComparer.OrdinalIgnoreCase),
            StringComparer.OrdinalIgnoreCase);
        Assert.Equal("********", headers["X-Api-Key"]);
        Assert.Equal("********", headers["TrackTik-Subscription-Secret"]);
        Assert.DoesNotContain("api-key-0123456789", answer.GetRawText());
        Assert.DoesNotContain(draft["secret"]!.GetValue<string>(), answer.GetRawText());
        Assert.Equal($"0-{preview.GetProperty("eventId").GetString()}", headers["webhook-id"]);

        var matching = data.GetProperty("matchingNow");
        Assert.Equal(1, matching.GetProperty("count").GetInt64());
        Assert.Equal([ann], matching.GetProperty("ids").EnumerateArray().Select(i => i.GetInt64()));
        Assert.Equal(2, matching.GetProperty("entitiesRead").GetInt64());
        Assert.True(matching.GetProperty("complete").GetBoolean());
        Assert.NotEqual(ann, bob);

        // Nothing was made, nothing sent. The witness: a later change of Ann, delivered to the same
        // receiver by the real subscription; once it has come, every call there is that subscription's
        // (the preview's would carry a webhook-id of subscription 0).
        Assert.Equal(before, await SubscriptionCountAsync());
        var later = await Api.OkAsync(HttpMethod.Patch, $"/rest/v1/{resource}/{ann}", new JsonObject { ["salary"] = 175 });
        await Eventually.HoldsAsync(() => Receiver.Calls("preview").Any(c => c.Headers["webhook-id"] == $"{subscription}-{later}"),
            TimeSpan.FromSeconds(60), "the later change never arrived");
        var calls = Receiver.Calls("preview");
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c => Assert.StartsWith($"{subscription}-", c.Headers["webhook-id"]));
    }

    [Fact]
    public async Task A_draft_is_checked_as_a_create_is_and_the_limit_by_name()
    {
        var draft = EventsClient.Subscription($"entity:{resource}:created", """{"filters": [{"tag": "context.*"}]}""");
        draft["url"] = "ftp://nowhere";
        draft.Remove("secret");
        var (status, problem, _) = await Api.SendAsync(HttpMethod.Post, "/rest/v1/events-subscriptions/actions/preview?limit=0", draft);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = problem.GetProperty("errors");
        Assert.All(["url", "secret", "limit"], field => Assert.True(errors.TryGetProperty(field, out _), $"{field}: {errors}"));
    }

    [Fact]
    public async Task A_preview_reads_the_last_event_of_twenty_entities_unless_told_otherwise()
    {
        // 22 entities changed: the preview looks at the 20 changed last, or at `limit` of them.
        var ids = new List<long>();
        for (var n = 0; n < 22; n++)
        {
            ids.Add(await CreateAsync(new JsonObject { ["name"] = $"E{n}", ["status"] = "active" }));
        }
        var draft = EventsClient.Subscription($"entity:{resource}:created", """{"filters": [{"tag": "context.*"}]}""");

        var (status, answer, _) = await Api.SendAsync(HttpMethod.Post, "/rest/v1/events-subscriptions/actions/preview", draft);
        Assert.Equal(HttpStatusCode.OK, status);
        var data = answer.GetProperty("data");
        Assert.Equal(20, data.GetProperty("window").GetProperty("eventsRead").GetInt32());
        // Newest first: the two created first are left out.
        Assert.Equal(ids.AsEnumerable().Reverse().Take(20), data.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("entityId").GetInt64()));
        Assert.Equal(22, data.GetProperty("matchingNow").GetProperty("count").GetInt64());

        (status, answer, _) = await Api.SendAsync(HttpMethod.Post, "/rest/v1/events-subscriptions/actions/preview?limit=22", draft);
        Assert.Equal(HttpStatusCode.OK, status);
        var more = answer.GetProperty("data");
        Assert.Equal(22, more.GetProperty("window").GetProperty("eventsRead").GetInt32());
        Assert.Equal(22, more.GetProperty("events").GetArrayLength());
    }

    private async Task<long> CreateAsync(JsonObject entity)
    {
        var (status, body, _) = await Api.SendAsync(HttpMethod.Post, $"/rest/v1/{resource}", entity);
        Assert.Equal(HttpStatusCode.Created, status);
        return body.GetProperty("data").GetProperty("id").GetInt64();
    }

    private async Task<long> SubscriptionCountAsync()
    {
        var (_, list, _) = await Api.SendAsync(HttpMethod.Get, "/rest/v1/events-subscriptions?includeInactive=true&limit=1");
        return list.GetProperty("meta").GetProperty("count").GetInt64();
    }

    /// <summary>The headers the service sets on a call, as the receiver saw them (not the HTTP framing's own).</summary>
    private static bool IsCallHeader(string name) =>
        !new[] { "Host", "Content-Length", "Connection", "Transfer-Encoding", "traceparent", "tracestate", "Expect" }
            .Contains(name, StringComparer.OrdinalIgnoreCase);
}
