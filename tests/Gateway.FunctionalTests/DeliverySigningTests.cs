namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>Signing and headers: both signatures, the secret header, a rotated secret, extra headers and the test action.</summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class DeliverySigningTests(DeliveryCluster service) : DeliveryTest(service)
{
    [Fact]
    public async Task A_delivery_arrives_signed_both_ways_and_is_logged()
    {
        var succeededBefore = await SucceededAttemptsAsync();
        var subscription = await SubscribeAsync(Receiver.Url("signed"), """{"secretHeaderName": "X-Hook-Secret", "language": "fr"}""");

        var eventId = await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Ann" });

        var call = Assert.Single(await CallsAsync("signed", 1));
        // The secret header carries the secret itself, as TrackTik sends it (a new subscription's default).
        Assert.Equal(Secret, call.Headers["x-hook-secret"]);
        // Standard Webhooks: webhook-id and a recent webhook-timestamp, both signed with the body.
        AssertSignedAtItsAttempt(call);
        Assert.Equal("fr", call.Headers["ttc-language"]);
        Assert.StartsWith("EventsSubscriptions/", call.Headers["user-agent"]);
        Assert.StartsWith("application/json", call.Headers["content-type"]);
        var body = JsonNode.Parse(call.Body)!;
        Assert.Equal(eventId, body["meta"]!["eventId"]!.GetValue<string>());
        Assert.Equal("Ann", body["data"]!["name"]!.GetValue<string>());

        var log = Assert.Single(await LogsAsync(subscription, 1));
        Assert.Equal(("SUCCEEDED", 200, 1), (log.Outcome, log.StatusCode, log.Attempt));
        Assert.Equal(call.Headers["webhook-id"], log.DeliveryId);
        var item = await ItemAsync(subscription);
        Assert.Equal("HEALTHY", item.Health.State);
        Assert.Equal(0, item.Health.PendingDeliveries);

        // Every silo exposes its delivery metrics; together they count this success.
        await Eventually.HoldsAsync(async () => await SucceededAttemptsAsync() >= succeededBefore + 1, TimeSpan.FromSeconds(15),
            "the silos' metrics did not count the success");
    }

    [Fact]
    public async Task A_delivery_read_back_shows_its_request_as_sent_with_secrets_and_signatures_hidden()
    {
        var subscription = await SubscribeAsync(Receiver.Url("shown"), """{"headers": {"X-Api-Key": "key-never-shown-12345"}}""");
        var eventId = await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Una" });
        var call = Assert.Single(await CallsAsync("shown", 1));
        await LogsAsync(subscription, 1);

        var (status, read, _) = await Api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{subscription}/deliveries/{eventId}");
        Assert.Equal(HttpStatusCode.OK, status);
        var delivery = read.GetProperty("data").GetProperty("delivery");
        Assert.Equal((eventId, "SUCCEEDED", 1), (delivery.GetProperty("eventId").GetString(), delivery.GetProperty("state").GetString(),
            delivery.GetProperty("attempts").GetInt32()));
        var request = read.GetProperty("data").GetProperty("request");
        Assert.Equal(("POST", Receiver.Url("shown")), (request.GetProperty("method").GetString(), request.GetProperty("url").GetString()));
        // The body as the receiver got it; the headers by name, every secret and signature hidden.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(call.Body), JsonNode.Parse(request.GetProperty("body").GetRawText())));
        var headers = request.GetProperty("headers");
        Assert.Equal(call.Headers["webhook-id"], headers.GetProperty("webhook-id").GetString());
        Assert.Contains("hidden", headers.GetProperty("webhook-signature").GetString());
        Assert.Contains("hidden", headers.GetProperty("X-Api-Key").GetString());
        Assert.DoesNotContain(Secret, read.GetRawText());
        Assert.DoesNotContain("key-never-shown-12345", read.GetRawText());
        Assert.DoesNotContain(call.Headers["webhook-signature"], read.GetRawText());

        // A list without a limit is a page of the default size, 100.
        var (_, list, _) = await Api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{subscription}/deliveries");
        Assert.Equal(100, list.GetProperty("meta").GetProperty("limit").GetInt32());
        var (_, subscriptions, _) = await Api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions?id:in={subscription}");
        Assert.Equal(100, subscriptions.GetProperty("meta").GetProperty("limit").GetInt32());
    }

    [Fact]
    public async Task After_a_secret_change_calls_carry_signatures_with_the_new_and_the_previous_secret()
    {
        // In the HMAC mode (subscriptions made before TrackTik's scheme keep it), the header signs with the new secret.
        var subscription = await SubscribeAsync(Receiver.Url("rotated"), """{"secretHeaderMode": "hmac-sha512"}""");
        const string rotated = "rotated-secret-9876543210";
        await Api.OkAsync(HttpMethod.Patch, $"/rest/v1/events-subscriptions/{subscription}", new JsonObject { ["secret"] = rotated });

        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Hal" });

        var call = Assert.Single(await CallsAsync("rotated", 1));
        // Two signatures, the new secret's first, then the previous one's.
        AssertSignedAtItsAttempt(call, rotated, Secret);
        using var sha512 = new HMACSHA512(Encoding.UTF8.GetBytes(rotated));
        Assert.Equal(Convert.ToHexString(sha512.ComputeHash(call.Body)).ToLowerInvariant(), call.Headers["tracktik-subscription-secret"]);
    }

    [Fact]
    public async Task Extra_headers_go_out_on_every_call_are_never_shown_and_change_one_at_a_time()
    {
        // The receiver echoes what it gets, as debugging receivers do: nothing sent that must stay unseen may reach the log.
        var url = Receiver.Url("headed", "echo");
        var subscription = await SubscribeAsync(url,
            """{"headers": {"X-Api-Key": "key-for-the-gateway-1", "Authorization": "Bearer receiver-token"}}""");
        var raw = (await ItemRawAsync(subscription)).GetRawText();
        Assert.Equal(["Authorization", "X-Api-Key"], (await ItemAsync(subscription)).HeaderNames);
        Assert.DoesNotContain("key-for-the-gateway-1", raw);
        Assert.DoesNotContain("receiver-token", raw);

        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Ivy" });
        var first = Assert.Single(await CallsAsync("headed", 1));
        Assert.Equal(("key-for-the-gateway-1", "Bearer receiver-token"), (first.Headers["x-api-key"], first.Headers["authorization"]));
        await LogsAsync(subscription, 1);
        var (_, log, _) = await Api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{subscription}/logs");
        Assert.Contains("x-api-key: ***", log.GetRawText());
        Assert.DoesNotContain("key-for-the-gateway-1", log.GetRawText());
        Assert.DoesNotContain(Secret, log.GetRawText());

        // Another origin receives the headers and the secret: they must be given again to move there.
        var (moved, movedProblem, _) = await Api.SendAsync(HttpMethod.Patch, $"/rest/v1/events-subscriptions/{subscription}",
            new JsonObject { ["url"] = new UriBuilder(url) { Port = new Uri(url).Port + 1 }.Uri.ToString() });
        Assert.Equal(HttpStatusCode.BadRequest, moved);
        Assert.True(movedProblem.GetProperty("errors").TryGetProperty("secret", out _));
        Assert.True(movedProblem.GetProperty("errors").TryGetProperty("headers", out _));

        // A merge patch of the headers: one removed, one added, the other kept (its value unseen).
        await Api.OkAsync(HttpMethod.Patch, $"/rest/v1/events-subscriptions/{subscription}",
            JsonNode.Parse("""{"headers": {"x-api-key": null, "X-Tenant": "acme"}}"""));
        Assert.Equal(["Authorization", "X-Tenant"], (await ItemAsync(subscription)).HeaderNames);
        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Jon" });
        var second = (await CallsAsync("headed", 2))[1];
        Assert.False(second.Headers.ContainsKey("x-api-key"));
        Assert.Equal(("acme", "Bearer receiver-token"), (second.Headers["x-tenant"], second.Headers["authorization"]));

        // Bad headers change nothing and name the header, never echoing a value.
        var (refused, problem, _) = await Api.SendAsync(HttpMethod.Patch, $"/rest/v1/events-subscriptions/{subscription}",
            JsonNode.Parse("""{"headers": {"webhook-id": "x", "Content-Type": "text/plain", "X-Bad": "line\nbreak-secret-value", "TrackTik-Subscription-Secret": "y"}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        var errors = problem.GetProperty("errors");
        Assert.All(["headers.webhook-id", "headers.Content-Type", "headers.X-Bad", "headers.TrackTik-Subscription-Secret"],
            field => Assert.True(errors.TryGetProperty(field, out _), field));
        Assert.DoesNotContain("break-secret-value", problem.GetRawText());
        var eleven = new JsonObject();
        for (var i = 0; i < 11; i++)
        {
            eleven[$"X-H{i}"] = "v";
        }
        var (tooMany, _, _) = await Api.SendAsync(HttpMethod.Patch, $"/rest/v1/events-subscriptions/{subscription}", new JsonObject { ["headers"] = eleven });
        Assert.Equal(HttpStatusCode.BadRequest, tooMany);
        Assert.Equal(["Authorization", "X-Tenant"], (await ItemAsync(subscription)).HeaderNames);

        await Api.OkAsync(HttpMethod.Patch, $"/rest/v1/events-subscriptions/{subscription}", JsonNode.Parse("""{"headers": null}"""));
        Assert.Empty((await ItemAsync(subscription)).HeaderNames);
    }

    [Fact]
    public async Task The_test_action_sends_one_signed_test_call_and_answers_with_its_log_entry()
    {
        var subscription = await SubscribeAsync(Receiver.Url("tested"));

        var (status, body, _) = await Api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{subscription}/actions/test");

        Assert.Equal(HttpStatusCode.OK, status);
        var entry = body.Data<LogEntryView>();
        Assert.Equal("SUCCEEDED", entry.Outcome);
        Assert.Equal(200, entry.StatusCode);
        Assert.Equal($"entity:{Resource}:test", entry.EventData.Event);
        var call = Assert.Single(Receiver.Calls("tested"));
        Assert.Equal($"entity:{Resource}:test", JsonNode.Parse(call.Body)!["meta"]!["event"]!.GetValue<string>());
        Assert.Equal(entry.DeliveryId, call.Headers["webhook-id"]);
        Assert.Equal(Secret, call.Headers["tracktik-subscription-secret"]);
    }
}
