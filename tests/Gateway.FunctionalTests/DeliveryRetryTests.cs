namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>Failed deliveries: retried with the same body and id, timed out, exhausted, retried on request and replayed.</summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class DeliveryRetryTests(DeliveryCluster service) : DeliveryTest(service)
{
    [Fact]
    public async Task Failures_are_retried_with_the_same_body_and_webhook_id_until_one_succeeds()
    {
        var subscription = await SubscribeAsync(Receiver.Url("flaky", "500 500 200"));

        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Bob" });

        var calls = await CallsAsync("flaky", 3);
        Assert.Equal(3, calls.Count);
        Assert.Single(calls.Select(c => Convert.ToBase64String(c.Body)).Distinct());
        Assert.Single(calls.Select(c => c.Headers["webhook-id"]).Distinct());
        var logs = await LogsAsync(subscription, 3);
        Assert.Equal(["RETRY_SCHEDULED", "RETRY_SCHEDULED", "SUCCEEDED"], logs.Select(l => l.Outcome));
        Assert.Equal([1, 2, 3], logs.Select(l => l.Attempt));
        Assert.Equal([500, 500, 200], logs.Select(l => l.StatusCode ?? 0));
    }

    [Fact]
    public async Task A_receiver_that_answers_200_and_then_trickles_its_body_has_answered_and_is_not_called_again()
    {
        // Its body would take a minute; the call's timeout is 2 s, and a retry comes 1 s after a failure.
        var subscription = await SubscribeAsync(Receiver.Url("trickle", "trickle"), """{"delivery": {"timeoutSeconds": 2}}""");

        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Tia" });

        var log = Assert.Single(await LogsAsync(subscription, 1));
        Assert.Equal(("SUCCEEDED", 200, 1), (log.Outcome, log.StatusCode, log.Attempt));
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Single(Receiver.Calls("trickle"));
        Assert.Single(await ReadLogAsync(subscription));
        Assert.Equal(0, (await ItemAsync(subscription)).Health.PendingDeliveries);
    }

    [Fact]
    public async Task Retry_after_on_a_503_is_honoured()
    {
        // The schedule of this cluster retries after about 1 s; Retry-After asks for 4 s.
        var subscription = await SubscribeAsync(Receiver.Url("busy", "503 200", retryAfter: "4"));

        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Cid" });

        var calls = await CallsAsync("busy", 2);
        Assert.InRange((calls[1].At - calls[0].At).TotalSeconds, 3.9, 30);
        // The refusal's headers are kept with its attempt (and none with the success).
        var (_, page, _) = await Api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{subscription}/logs");
        var entries = page.GetProperty("data").EnumerateArray().ToList();
        Assert.Contains("Retry-After: 4", entries.Single(e => e.GetProperty("statusCode").GetInt32() == 503).GetProperty("responseHeaders").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null,
            entries.Single(e => e.GetProperty("statusCode").GetInt32() == 200).GetProperty("responseHeaders").ValueKind);
    }

    [Fact]
    public async Task A_receiver_that_hangs_times_out_and_the_delivery_is_retried()
    {
        var subscription = await SubscribeAsync(Receiver.Url("slow", "hang 200"), """{"delivery": {"timeoutSeconds": 1}}""");

        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Dee" });

        Assert.Equal(2, (await CallsAsync("slow", 2)).Count);
        var logs = await LogsAsync(subscription, 2);
        Assert.Equal("RETRY_SCHEDULED", logs[0].Outcome);
        Assert.Contains("no answer within 1 s", logs[0].Error);
        Assert.Equal("SUCCEEDED", logs[1].Outcome);
    }

    [Fact]
    public async Task A_delivery_failing_every_attempt_is_exhausted()
    {
        var subscription = await SubscribeAsync(Receiver.Url("down", "500"));

        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Eve" });

        var logs = await LogsAsync(subscription, 4);
        Assert.Equal(["RETRY_SCHEDULED", "RETRY_SCHEDULED", "RETRY_SCHEDULED", "EXHAUSTED"], logs.Select(l => l.Outcome));
        var health = (await ItemAsync(subscription)).Health;
        Assert.Equal("FAILING", health.State);
        Assert.Equal(4, health.ConsecutiveFailures);
        Assert.Equal(0, health.PendingDeliveries);
    }

    [Fact]
    public async Task An_exhausted_delivery_retried_on_request_succeeds_and_the_metrics_tell_why_it_failed()
    {
        var subscription = await SubscribeAsync(Receiver.Url("retry-me", "503"));
        var eventId = await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Retry" });
        Assert.Equal(["RETRY_SCHEDULED", "RETRY_SCHEDULED", "RETRY_SCHEDULED", "EXHAUSTED"], (await LogsAsync(subscription, 4)).Select(l => l.Outcome));
        Receiver.Url("retry-me", "200");

        var path = $"/rest/v1/events-subscriptions/{subscription}/deliveries/{eventId}/actions/retry";
        var (status, body, _) = await Api.SendAsync(HttpMethod.Post, path);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("EXHAUSTED", body.Data<RetryView>().PreviousState);
        var logs = await LogsAsync(subscription, 5);
        Assert.Equal(("SUCCEEDED", 1, 200), (logs[^1].Outcome, logs[^1].Attempt, logs[^1].StatusCode));
        Assert.Equal(5, Receiver.Calls("retry-me").Count);
        Assert.Single(Receiver.Calls("retry-me").Select(c => c.Headers["webhook-id"]).Distinct());
        await WaitForAsync(subscription, i => i.Health.State == "HEALTHY");

        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{subscription}/deliveries/{Guid.NewGuid()}/actions/retry")).Status);

        // The failures are counted by kind, with durations in buckets made for seconds.
        using var http = new HttpClient();
        var scrapes = string.Join('\n', await Task.WhenAll(Service.MetricsPorts.Select(p => http.GetStringAsync($"http://localhost:{p}/metrics"))));
        Assert.Matches("es_delivery_attempts_total\\{[^}]*error_kind=\"5xx\"", scrapes);
        // By tenant: these subscriptions are the default tenant's.
        Assert.Matches("es_delivery_attempts_total\\{[^}]*tenant=\"default\"", scrapes);
        Assert.Matches("es_events_accepted_total\\{[^}]*tenant=\"default\"", scrapes);
        Assert.Matches("es_delivery_attempt_duration_seconds_bucket\\{[^}]*le=\"0.001\"", scrapes);
        // The batched writers: how long an accepted change waited for its commit, how many rows a round trip carried.
        Assert.Matches("es_batch_wait_seconds_bucket\\{[^}]*writer=\"EventQueueStore\"", scrapes);
        Assert.Matches("es_batch_size_bucket\\{[^}]*writer=\"OutboxWriter\"[^}]*le=\"512\"", scrapes);
        Assert.Contains("events-subscriptions-silo", scrapes);
    }

    [Fact]
    public async Task A_receiver_that_breaks_off_its_answer_is_a_logged_failure_retried_to_exhaustion()
    {
        var subscription = await SubscribeAsync(Receiver.Url("cut-short", "cut"));

        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Cut" });

        var logs = await LogsAsync(subscription, 4);
        Assert.Equal(["RETRY_SCHEDULED", "RETRY_SCHEDULED", "RETRY_SCHEDULED", "EXHAUSTED"], logs.Select(l => l.Outcome));
        Assert.All(logs, l => Assert.True(l.StatusCode is 500 || l.Error?.StartsWith("connection failed") == true, $"{l.StatusCode} {l.Error}"));
        var item = await WaitForAsync(subscription, i => i.Health.PendingDeliveries == 0);
        Assert.Equal(("FAILING", 4), (item.Health.State, item.Health.ConsecutiveFailures));
        var (tested, entry, _) = await Api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{subscription}/actions/test");
        Assert.True(tested == HttpStatusCode.OK, $"test answered {(int)tested}: {entry}");
        Assert.Equal("FAILED", entry.Data<LogEntryView>().Outcome);
    }

    [Fact]
    public async Task Replay_queues_exhausted_deliveries_again()
    {
        var subscription = await SubscribeAsync(Receiver.Url("replayed", "500"));
        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Ivy" });
        Assert.Equal("EXHAUSTED", (await LogsAsync(subscription, 4))[^1].Outcome);
        Receiver.Url("replayed", "200");

        var (bad, _, _) = await Api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{subscription}/actions/replay", new JsonObject { ["until"] = "2020-01-01" });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{subscription}/actions/replay",
            new JsonObject { ["since"] = DateTime.UtcNow.AddHours(-1).ToString("O"), ["onlyFailed"] = true });

        var logs = await LogsAsync(subscription, 5);
        Assert.Equal("SUCCEEDED", logs[^1].Outcome);
        Assert.Single((await CallsAsync("replayed", 5)).Select(c => c.Headers["webhook-id"]).Distinct());
    }

    [Fact]
    public async Task Replay_of_a_window_with_only_failed_sends_its_failed_delivery_again_and_nothing_sent_or_queued_after_until()
    {
        // One entity, so its deliveries go one after the other: the first is exhausted (four
        // failures), the second succeeds, the third (after `until`) is exhausted too.
        var subscription = await SubscribeAsync(Receiver.Url("window", "500 500 500 500 200 500"));
        var since = DateTime.UtcNow.AddMinutes(-1);
        var failed = await Api.OkAsync(HttpMethod.Put, $"/rest/v1/{Resource}/1", new JsonObject { ["step"] = 1 });
        await Api.OkAsync(HttpMethod.Patch, $"/rest/v1/{Resource}/1", new JsonObject { ["step"] = 2 });
        Assert.Equal("SUCCEEDED", (await LogsAsync(subscription, 5))[^1].Outcome);
        var until = DateTime.UtcNow;
        await Api.OkAsync(HttpMethod.Patch, $"/rest/v1/{Resource}/1", new JsonObject { ["step"] = 3 });
        Assert.Equal("EXHAUSTED", (await LogsAsync(subscription, 9))[^1].Outcome);
        await WaitForAsync(subscription, i => i.Health.PendingDeliveries == 0);
        Receiver.Url("window", "200");

        using var replay = Service.Request(HttpMethod.Post, $"/rest/v1/events-subscriptions/{subscription}/actions/replay",
            Service.Token("subscriptions:read", "subscriptions:write"));
        replay.Content = JsonContent.Create(new JsonObject { ["since"] = since.ToString("O"), ["until"] = until.ToString("O"), ["onlyFailed"] = true });
        using var replayed = await Service.Http.SendAsync(replay);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Equal("1", replayed.Headers.GetValues("X-Replayed-Deliveries").Single());

        // Nothing is pending once the replayed delivery went: only it was queued again.
        var calls = await CallsAsync("window", 10);
        await WaitForAsync(subscription, i => i.Health.PendingDeliveries == 0);
        calls = [.. Receiver.Calls("window")];
        Assert.Equal(10, calls.Count);
        Assert.Equal(($"{subscription}-{failed}", 200, 1),
            (calls[^1].Headers["webhook-id"], calls[^1].Status, JsonNode.Parse(calls[^1].Body)!["data"]!["step"]!.GetValue<int>()));
        var last = (await LogsAsync(subscription, 10))[^1];
        Assert.Equal(("SUCCEEDED", 1), (last.Outcome, last.Attempt));
    }
}
