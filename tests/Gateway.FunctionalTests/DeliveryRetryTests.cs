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
        // Each attempt is signed anew: its own webhook-timestamp, close to when it was sent and part of its signature.
        Assert.All(calls, call => AssertSignedAtItsAttempt(call));
        Assert.True(calls.Select(c => long.Parse(c.Headers["webhook-timestamp"])).Order().SequenceEqual(calls.Select(c => long.Parse(c.Headers["webhook-timestamp"]))),
            "a retry carried an older webhook-timestamp than the attempt before it");
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

        await Api.OkAsync(HttpMethod.Put, $"/rest/v1/{Resource}/1", new JsonObject { ["name"] = "Tia" });

        var log = Assert.Single(await LogsAsync(subscription, 1));
        Assert.Equal(("SUCCEEDED", 200, 1), (log.Outcome, log.StatusCode, log.Attempt));
        // The witness: a later change of the same entity. An entity's deliveries go one after the
        // other, a retry of the first before the second, so once the second has come, whatever the
        // first was to cause has come too.
        await Api.OkAsync(HttpMethod.Patch, $"/rest/v1/{Resource}/1", new JsonObject { ["name"] = "Tia, later" });
        var calls = await CallsAsync("trickle", 2);
        Assert.Equal(2, calls.Count);
        Assert.Equal(["Tia", "Tia, later"], calls.Select(c => JsonNode.Parse(c.Body)!["data"]!["name"]!.GetValue<string>()));
        var logs = await LogsAsync(subscription, 2);
        Assert.Equal([("SUCCEEDED", 200, 1), ("SUCCEEDED", 200, 1)], logs.Select(l => (l.Outcome, l.StatusCode ?? 0, l.Attempt)));
        Assert.Equal(0, (await WaitForAsync(subscription, i => i.Health.PendingDeliveries == 0)).Health.PendingDeliveries);
        Assert.Equal(2, Receiver.Calls("trickle").Count);
    }

    [Fact]
    public async Task Retry_after_on_a_503_is_honoured()
    {
        // The schedule of this cluster retries after about 1 s; Retry-After asks for 4 s.
        var subscription = await SubscribeAsync(Receiver.Url("busy", "503 200", retryAfter: "4"));

        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Cid" });

        var calls = await CallsAsync("busy", 2);
        // The promise is the lower bound (not before the 4 s asked); the upper one only bounds a loaded machine.
        Assert.InRange((calls[1].At - calls[0].At).TotalSeconds, 3.9, 60);
        // The refusal's headers are kept with its attempt (and none with the success), once both are recorded
        // (the second call reaches the receiver before its record is written).
        await LogsAsync(subscription, 2);
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
        // The counters are cumulative over the run: what this test adds to them is read as a difference.
        (string Metric, string[] Labels, int Added)[] counted =
        [
            // The failures by kind, and by tenant (these subscriptions are the default tenant's).
            ("es_delivery_attempts_total", ["error_kind=\"5xx\""], 4),
            ("es_delivery_attempts_total", ["tenant=\"default\""], 5),
            ("es_events_accepted_total", ["tenant=\"default\""], 1),
            ("es_delivery_attempt_duration_seconds_count", [], 5),
            // The batched writers: how long an accepted change waited for its commit, how many rows a round trip carried.
            ("es_batch_wait_seconds_count", ["writer=\"EventQueueStore\""], 1),
            ("es_batch_size_count", ["writer=\"OutboxWriter\""], 1),
        ];
        async Task<double[]> ReadAsync()
        {
            var pages = await SiloMetrics.PagesAsync(Service.MetricsPorts);
            return [.. counted.Select(c => pages.Sum(page => SiloMetrics.Values(page, c.Metric, c.Labels).Sum()))];
        }
        var before = await ReadAsync();
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

        // This test's four failures, five attempts and one event are counted, by kind and by tenant.
        var after = before;
        try
        {
            await Eventually.HoldsAsync(async () => (after = await ReadAsync()).Zip(before, counted).All(c => c.First - c.Second >= c.Third.Added),
                TimeSpan.FromSeconds(15), "the silos' counters did not count this test's attempts");
        }
        catch (Xunit.Sdk.XunitException)
        {
            Assert.Fail("the silos' counters did not count this test's attempts: " + string.Join(", ",
                counted.Select((c, i) => $"{c.Metric}{{{string.Join(',', c.Labels)}}} +{after[i] - before[i]} (expected +{c.Added})")));
        }
        // Durations in buckets made for seconds, batch sizes in buckets up to 512.
        var scrapes = string.Join('\n', await SiloMetrics.PagesAsync(Service.MetricsPorts));
        Assert.Matches("es_delivery_attempt_duration_seconds_bucket\\{[^}]*le=\"0.001\"", scrapes);
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
