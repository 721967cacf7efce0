using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;
using EventsSubscriptions.TestSupport;
using Npgsql;

namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>
/// A cluster that may call loopback over http, and retries after about a second, three times; it
/// traces, to a collector of its own (so every delivery test runs with tracing on, and the other
/// clusters without).
/// </summary>
public sealed class DeliveryCluster : ServiceCluster, IDisposable
{
    public SmtpCatcher Smtp { get; } = new();

    public TraceCollector Traces { get; } = new();

    public void Dispose()
    {
        Smtp.Dispose();
        Traces.Dispose();
    }

    private static readonly KeyValuePair<string, string>[] Targets =
    [
        new("Webhooks__AllowHttp", "true"),
        new("Webhooks__AllowedNetworks__0", "127.0.0.0/8"),
    ];

    /// <summary>Spans go to the collector a fifth of a second after they end (OpenTelemetry's default waits 5 s).</summary>
    private KeyValuePair<string, string>[] Tracing =>
    [
        new("Telemetry__OtlpEndpoint", Traces.Endpoint),
        new("OTEL_BSP_SCHEDULE_DELAY", "200"),
    ];

    protected override IEnumerable<KeyValuePair<string, string>> GatewaySettings =>
        [.. Targets, .. Tracing, new("Gateway__DevInbox", "true"), new("Gateway__Console", "true")];

    protected override IEnumerable<KeyValuePair<string, string>> SiloSettings =>
    [
        .. Targets,
        .. Tracing,
        new("Delivery__RetryDelaySeconds__0", "1"),
        new("Delivery__RetryDelaySeconds__1", "1"),
        new("Delivery__RetryDelaySeconds__2", "1"),
        new("Smtp__Host", "127.0.0.1"),
        new("Smtp__Port", Smtp.Port.ToString()),
        new("Smtp__Security", "None"),
        new("Smtp__From", "hooks@events.test"),
    ];
}

[CollectionDefinition(Name)]
public sealed class DeliveryClusterCollection : ICollectionFixture<DeliveryCluster>
{
    public const string Name = "delivery cluster";
}

public sealed record LogRow(int Attempt, string Outcome, int? StatusCode, string? Error, string DeliveryId);

[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class DeliveryTests(DeliveryCluster service) : IAsyncLifetime
{
    private const string Secret = "delivery-secret-0123456789";
    private readonly EventsClient api = new(service);
    private readonly string resource = $"hooks-{Guid.NewGuid():N}"[..20];
    private WebhookReceiver receiver = null!;

    public async Task InitializeAsync() => receiver = await WebhookReceiver.StartAsync();

    /// <summary>The subscriptions of a test are archived with it: none goes on retrying against a receiver that is gone.</summary>
    public async Task DisposeAsync()
    {
        foreach (var id in created)
        {
            await api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{id}/actions/archive");
        }
        await receiver.DisposeAsync();
    }

    private readonly List<long> created = [];

    [Fact]
    public async Task A_delivery_arrives_signed_both_ways_and_is_logged()
    {
        var succeededBefore = await SucceededAttemptsAsync();
        var subscription = await SubscribeAsync(receiver.Url("signed"), """{"secretHeaderName": "X-Hook-Secret", "language": "fr"}""");

        var eventId = await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Ann" });

        var call = Assert.Single(await CallsAsync("signed", 1));
        // The secret header carries the secret itself, as TrackTik sends it (a new subscription's default).
        Assert.Equal(Secret, call.Headers["x-hook-secret"]);
        var signed = Encoding.UTF8.GetBytes($"{call.Headers["webhook-id"]}.{call.Headers["webhook-timestamp"]}.").Concat(call.Body).ToArray();
        using var sha256 = new HMACSHA256(Encoding.UTF8.GetBytes(Secret));
        Assert.Equal($"v1,{Convert.ToBase64String(sha256.ComputeHash(signed))}", call.Headers["webhook-signature"]);
        Assert.InRange(long.Parse(call.Headers["webhook-timestamp"]), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
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
    public async Task An_attempt_whose_record_failed_is_recorded_later_without_calling_the_receiver_again()
    {
        var subscription = await SubscribeAsync(receiver.Url("unrecorded"));
        // The attempt log refuses this subscription's rows for a while: its records fail, as they do
        // while PostgreSQL restarts, after the receiver has answered. A transient error (class 40),
        // not one about what the row holds (those are the next tests').
        await using (await RefuseLogRowsAsync(subscription, "serialization_failure"))
        {
            await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Una" });
            await CallsAsync("unrecorded", 1);
            // The record is tried again 5 s after it failed (and fails again): the receiver, which
            // answered the first call, is not called a second time.
            await Task.Delay(TimeSpan.FromSeconds(8));
            Assert.Single(receiver.Calls("unrecorded"));
            Assert.Empty(await ReadLogAsync(subscription));
        }

        var log = Assert.Single(await LogsAsync(subscription, 1));
        Assert.Equal(("SUCCEEDED", 200, 1), (log.Outcome, log.StatusCode, log.Attempt));
        Assert.Equal(receiver.Calls("unrecorded").Single().Headers["webhook-id"], log.DeliveryId);
        await WaitForAsync(subscription, item => item.Health.PendingDeliveries == 0);
        Assert.Single(receiver.Calls("unrecorded"));
    }

    [Fact]
    public async Task An_answer_the_log_refuses_to_store_is_recorded_without_its_text_and_the_delivery_settles()
    {
        var subscription = await SubscribeAsync(receiver.Url("unstorable", Encoding.UTF8.GetBytes("poison answer")));
        // The attempt log refuses any row holding this receiver's text: a record refused for what
        // it holds, not for an outage. Without a way out the delivery stayed pending for ever.
        await using (await RefuseLogRowsAsync(subscription, "check_violation", "NEW.response_excerpt LIKE '%poison%'"))
        {
            await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Vic" });
            await CallsAsync("unstorable", 1);

            // The record is tried again 5 s later without the receiver's text, and holds.
            var log = Assert.Single(await LogsAsync(subscription, 1));
            Assert.Equal(("SUCCEEDED", 200, 1), (log.Outcome, log.StatusCode, log.Attempt));
            Assert.Equal(0L, await ScalarAsync<long>(
                $"SELECT count(*) FROM delivery_log WHERE subscription_id = {subscription} AND response_excerpt IS NOT NULL"));
            await WaitForAsync(subscription, item => item.Health.PendingDeliveries == 0);
            Assert.Single(receiver.Calls("unstorable"));
        }
    }

    [Fact]
    public async Task A_record_refused_even_without_the_receivers_text_waits_pending_and_is_written_once_the_database_takes_it()
    {
        var subscription = await SubscribeAsync(receiver.Url("unloggable", "200"));
        // The attempt log refuses every row of this subscription, with or without the receiver's
        // text: a refusal by the schema, not by the row. No log row is dropped for it.
        await using (await RefuseLogRowsAsync(subscription, "check_violation"))
        {
            await api.OkAsync(HttpMethod.Put, $"/rest/v1/{resource}/1", new JsonObject { ["name"] = "Una" });
            await CallsAsync("unloggable", 1);
            // Refused at once, then 5 s later without the text; the next try is 10 s after that.
            await Task.Delay(TimeSpan.FromSeconds(8));
            Assert.Equal(1, (await ItemAsync(subscription)).Health.PendingDeliveries);
            Assert.Empty(await ReadLogAsync(subscription));
            Assert.Single(receiver.Calls("unloggable"));
        }

        // Once the database takes it, the record is written (without the text), the receiver not called again.
        var log = Assert.Single(await LogsAsync(subscription, 1));
        Assert.Equal(("SUCCEEDED", 200, 1), (log.Outcome, log.StatusCode, log.Attempt));
        await WaitForAsync(subscription, item => item.Health.PendingDeliveries == 0);
        Assert.Single(receiver.Calls("unloggable"));
    }

    [Fact]
    public async Task A_failed_call_whose_record_is_refused_twice_is_logged_once_with_its_errors_kind()
    {
        // Nothing listens there: the call fails to connect, an error in the service's words with the system's after a colon.
        var subscription = await SubscribeAsync($"http://127.0.0.1:{Ports.Free()}/closed");
        await using (await RefuseLogRowsAsync(subscription, "check_violation"))
        {
            await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Ida" });
            // Refused at once, then 5 s later without the system's text; the next try is 10 s after that.
            await Task.Delay(TimeSpan.FromSeconds(8));
            Assert.Empty(await ReadLogAsync(subscription));
        }

        // The error is cut to its kind once, however many times the record was refused.
        var first = (await LogsAsync(subscription, 1))[0];
        Assert.Equal((1, "connection failed (the rest of the error could not be stored)"), (first.Attempt, first.Error));
    }

    /// <summary>
    /// Makes <c>delivery_log</c> refuse this subscription's rows (those matching <paramref name="also"/>,
    /// a condition on NEW) with the SQLSTATE named, until disposed.
    /// </summary>
    private async Task<IAsyncDisposable> RefuseLogRowsAsync(long subscription, string errorCode, string? also = null)
    {
        var name = $"refuse_{errorCode}_{subscription}";
        await ExecuteAsync($"""
            CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'refused by the test' USING ERRCODE = '{errorCode}'; END $$;
            CREATE TRIGGER {name} BEFORE INSERT ON delivery_log FOR EACH ROW
                WHEN (NEW.subscription_id = {subscription}{(also is null ? "" : $" AND {also}")}) EXECUTE FUNCTION {name}();
            """);
        return new Dropping(() => ExecuteAsync($"DROP TRIGGER {name} ON delivery_log; DROP FUNCTION {name}();"));
    }

    private sealed class Dropping(Func<Task> drop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await drop();
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(service.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(service.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Failures_are_retried_with_the_same_body_and_webhook_id_until_one_succeeds()
    {
        var subscription = await SubscribeAsync(receiver.Url("flaky", "500 500 200"));

        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Bob" });

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
    public async Task The_log_is_served_newest_first_with_filters_and_on_the_item()
    {
        var subscription = await SubscribeAsync(receiver.Url("logged", "500 200"));
        var eventId = await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Gus" });
        await LogsAsync(subscription, 2);
        var path = $"/rest/v1/events-subscriptions/{subscription}";

        var (status, page, _) = await api.SendAsync(HttpMethod.Get, $"{path}/logs");
        Assert.Equal(HttpStatusCode.OK, status);
        var log = page.As<ListPage<LogEntryView>>();
        Assert.Equal(2, log.Meta.Count);
        Assert.Equal(["SUCCEEDED", "RETRY_SCHEDULED"], log.Data.Select(e => e.Outcome));
        var first = log.Data[1];
        Assert.Equal(subscription, first.EventsSubscription);
        Assert.Equal(eventId, first.EventData.EventId);
        Assert.Equal($"entity:{resource}:created", first.EventData.Event);
        Assert.Equal(resource, first.EventData.Resource);
        Assert.Equal(500, first.StatusCode);
        Assert.Contains("nope", first.ResponseExcerpt);
        Assert.NotNull(first.NextAttemptOn);

        var (_, succeeded, _) = await api.SendAsync(HttpMethod.Get, $"{path}/logs?outcome=succeeded&eventId={eventId}&limit=1");
        Assert.Equal(1, succeeded.As<ListPage<LogEntryView>>().Meta.Count);
        var (_, none, _) = await api.SendAsync(HttpMethod.Get, $"{path}/logs?since=2999-01-01");
        Assert.Equal(0, none.As<ListPage<LogEntryView>>().Meta.Count);
        var (bad, _, _) = await api.SendAsync(HttpMethod.Get, $"{path}/logs?outcome=MAYBE");
        Assert.Equal(HttpStatusCode.BadRequest, bad);

        var (_, withLogs, _) = await api.SendAsync(HttpMethod.Get, $"{path}?include=logs");
        Assert.Equal(2, withLogs.Data<SubscriptionView>().Logs?.Count);
        var (badInclude, _, _) = await api.SendAsync(HttpMethod.Get, $"{path}?include=secrets");
        Assert.Equal(HttpStatusCode.BadRequest, badInclude);
    }

    [Fact]
    public async Task After_a_secret_change_calls_carry_signatures_with_the_new_and_the_previous_secret()
    {
        // In the HMAC mode (subscriptions made before TrackTik's scheme keep it), the header signs with the new secret.
        var subscription = await SubscribeAsync(receiver.Url("rotated"), """{"secretHeaderMode": "hmac-sha512"}""");
        const string rotated = "rotated-secret-9876543210";
        await api.OkAsync(HttpMethod.Patch, $"/rest/v1/events-subscriptions/{subscription}", new JsonObject { ["secret"] = rotated });

        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Hal" });

        var call = Assert.Single(await CallsAsync("rotated", 1));
        var signed = Encoding.UTF8.GetBytes($"{call.Headers["webhook-id"]}.{call.Headers["webhook-timestamp"]}.").Concat(call.Body).ToArray();
        string Sign(string key)
        {
            using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(key));
            return $"v1,{Convert.ToBase64String(hmac.ComputeHash(signed))}";
        }
        Assert.Equal([Sign(rotated), Sign(Secret)], call.Headers["webhook-signature"].Split(' '));
        using var sha512 = new HMACSHA512(Encoding.UTF8.GetBytes(rotated));
        Assert.Equal(Convert.ToHexString(sha512.ComputeHash(call.Body)).ToLowerInvariant(), call.Headers["tracktik-subscription-secret"]);
    }

    [Fact]
    public async Task A_receiver_that_hangs_does_not_slow_another_subscription()
    {
        await SubscribeAsync(receiver.Url("stuck", "hang"), """{"delivery": {"timeoutSeconds": 30, "maxInFlight": 2}}""");
        await SubscribeAsync(receiver.Url("brisk"));

        var started = DateTimeOffset.UtcNow;
        for (var i = 1; i <= 20; i++)
        {
            await api.OkAsync(HttpMethod.Put, $"/rest/v1/{resource}/{i}", new JsonObject { ["n"] = i });
        }

        var calls = await CallsAsync("brisk", 20);
        Assert.Equal(20, calls.Count);
        Assert.True(calls[^1].At - started < TimeSpan.FromSeconds(20), $"the last call came {(calls[^1].At - started).TotalSeconds:0.0} s after the first event");
        Assert.Equal(2, receiver.Calls("stuck").Count);
    }

    [Fact]
    public async Task A_receiver_that_answers_200_and_then_trickles_its_body_has_answered_and_is_not_called_again()
    {
        // Its body would take a minute; the call's timeout is 2 s, and a retry comes 1 s after a failure.
        var subscription = await SubscribeAsync(receiver.Url("trickle", "trickle"), """{"delivery": {"timeoutSeconds": 2}}""");

        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Tia" });

        var log = Assert.Single(await LogsAsync(subscription, 1));
        Assert.Equal(("SUCCEEDED", 200, 1), (log.Outcome, log.StatusCode, log.Attempt));
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Single(receiver.Calls("trickle"));
        Assert.Single(await ReadLogAsync(subscription));
        Assert.Equal(0, (await ItemAsync(subscription)).Health.PendingDeliveries);
    }

    [Fact]
    public async Task A_call_under_way_when_its_subscription_is_archived_ends_the_delivery_with_its_own_answer_only()
    {
        var answered = await SubscribeAsync(receiver.Url("archived-mid-call", TimeSpan.FromSeconds(2), "200"));
        var failed = await SubscribeAsync(receiver.Url("archived-mid-failure", TimeSpan.FromSeconds(2), "500"));
        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Ida" });
        await Eventually.HoldsAsync(() => Task.FromResult(receiver.MaxConcurrent("archived-mid-call") == 1 && receiver.MaxConcurrent("archived-mid-failure") == 1),
            TimeSpan.FromSeconds(30), "the calls did not start");

        // Both receivers hold their calls for 2 s: both subscriptions are archived meanwhile.
        foreach (var id in new[] { answered, failed })
        {
            Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{id}/actions/archive")).Status);
        }

        var success = Assert.Single(await LogsAsync(answered, 1));
        Assert.Equal(("SUCCEEDED", 200), (success.Outcome, success.StatusCode));
        var cancelled = Assert.Single(await LogsAsync(failed, 1));
        Assert.Equal(("CANCELLED", 500), (cancelled.Outcome, cancelled.StatusCode));
        Assert.StartsWith("the subscription was archived; this attempt: the receiver answered 500", cancelled.Error);
        // Nothing more comes: no second outcome, no second call.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(await ReadLogAsync(answered));
        Assert.Single(await ReadLogAsync(failed));
        Assert.Single(receiver.Calls("archived-mid-call"));
        Assert.Single(receiver.Calls("archived-mid-failure"));
    }

    [Fact]
    public async Task Extra_headers_go_out_on_every_call_are_never_shown_and_change_one_at_a_time()
    {
        // The receiver echoes what it gets, as debugging receivers do: nothing sent that must stay unseen may reach the log.
        var url = receiver.Url("headed", "echo");
        var subscription = await SubscribeAsync(url,
            """{"headers": {"X-Api-Key": "key-for-the-gateway-1", "Authorization": "Bearer receiver-token"}}""");
        var raw = (await ItemRawAsync(subscription)).GetRawText();
        Assert.Equal(["Authorization", "X-Api-Key"], (await ItemAsync(subscription)).HeaderNames);
        Assert.DoesNotContain("key-for-the-gateway-1", raw);
        Assert.DoesNotContain("receiver-token", raw);

        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Ivy" });
        var first = Assert.Single(await CallsAsync("headed", 1));
        Assert.Equal(("key-for-the-gateway-1", "Bearer receiver-token"), (first.Headers["x-api-key"], first.Headers["authorization"]));
        await LogsAsync(subscription, 1);
        var (_, log, _) = await api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{subscription}/logs");
        Assert.Contains("x-api-key: ***", log.GetRawText());
        Assert.DoesNotContain("key-for-the-gateway-1", log.GetRawText());
        Assert.DoesNotContain(Secret, log.GetRawText());

        // Another origin receives the headers and the secret: they must be given again to move there.
        var (moved, movedProblem, _) = await api.SendAsync(HttpMethod.Patch, $"/rest/v1/events-subscriptions/{subscription}",
            new JsonObject { ["url"] = new UriBuilder(url) { Port = new Uri(url).Port + 1 }.Uri.ToString() });
        Assert.Equal(HttpStatusCode.BadRequest, moved);
        Assert.True(movedProblem.GetProperty("errors").TryGetProperty("secret", out _));
        Assert.True(movedProblem.GetProperty("errors").TryGetProperty("headers", out _));

        // A merge patch of the headers: one removed, one added, the other kept (its value unseen).
        await api.OkAsync(HttpMethod.Patch, $"/rest/v1/events-subscriptions/{subscription}",
            JsonNode.Parse("""{"headers": {"x-api-key": null, "X-Tenant": "acme"}}"""));
        Assert.Equal(["Authorization", "X-Tenant"], (await ItemAsync(subscription)).HeaderNames);
        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Jon" });
        var second = (await CallsAsync("headed", 2))[1];
        Assert.False(second.Headers.ContainsKey("x-api-key"));
        Assert.Equal(("acme", "Bearer receiver-token"), (second.Headers["x-tenant"], second.Headers["authorization"]));

        // Bad headers change nothing and name the header, never echoing a value.
        var (refused, problem, _) = await api.SendAsync(HttpMethod.Patch, $"/rest/v1/events-subscriptions/{subscription}",
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
        var (tooMany, _, _) = await api.SendAsync(HttpMethod.Patch, $"/rest/v1/events-subscriptions/{subscription}", new JsonObject { ["headers"] = eleven });
        Assert.Equal(HttpStatusCode.BadRequest, tooMany);
        Assert.Equal(["Authorization", "X-Tenant"], (await ItemAsync(subscription)).HeaderNames);

        await api.OkAsync(HttpMethod.Patch, $"/rest/v1/events-subscriptions/{subscription}", JsonNode.Parse("""{"headers": null}"""));
        Assert.Empty((await ItemAsync(subscription)).HeaderNames);
    }

    [Fact]
    public async Task The_test_action_sends_one_signed_test_call_and_answers_with_its_log_entry()
    {
        var subscription = await SubscribeAsync(receiver.Url("tested"));

        var (status, body, _) = await api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{subscription}/actions/test");

        Assert.Equal(HttpStatusCode.OK, status);
        var entry = body.Data<LogEntryView>();
        Assert.Equal("SUCCEEDED", entry.Outcome);
        Assert.Equal(200, entry.StatusCode);
        Assert.Equal($"entity:{resource}:test", entry.EventData.Event);
        var call = Assert.Single(receiver.Calls("tested"));
        Assert.Equal($"entity:{resource}:test", JsonNode.Parse(call.Body)!["meta"]!["event"]!.GetValue<string>());
        Assert.Equal(entry.DeliveryId, call.Headers["webhook-id"]);
        Assert.Equal(Secret, call.Headers["tracktik-subscription-secret"]);
    }

    [Fact]
    public async Task Replay_queues_exhausted_deliveries_again()
    {
        var subscription = await SubscribeAsync(receiver.Url("replayed", "500"));
        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Ivy" });
        Assert.Equal("EXHAUSTED", (await LogsAsync(subscription, 4))[^1].Outcome);
        receiver.Url("replayed", "200");

        var (bad, _, _) = await api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{subscription}/actions/replay", new JsonObject { ["until"] = "2020-01-01" });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        await api.OkAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{subscription}/actions/replay",
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
        var subscription = await SubscribeAsync(receiver.Url("window", "500 500 500 500 200 500"));
        var since = DateTime.UtcNow.AddMinutes(-1);
        var failed = await api.OkAsync(HttpMethod.Put, $"/rest/v1/{resource}/1", new JsonObject { ["step"] = 1 });
        await api.OkAsync(HttpMethod.Patch, $"/rest/v1/{resource}/1", new JsonObject { ["step"] = 2 });
        Assert.Equal("SUCCEEDED", (await LogsAsync(subscription, 5))[^1].Outcome);
        var until = DateTime.UtcNow;
        await api.OkAsync(HttpMethod.Patch, $"/rest/v1/{resource}/1", new JsonObject { ["step"] = 3 });
        Assert.Equal("EXHAUSTED", (await LogsAsync(subscription, 9))[^1].Outcome);
        await WaitForAsync(subscription, i => i.Health.PendingDeliveries == 0);
        receiver.Url("window", "200");

        using var replay = service.Request(HttpMethod.Post, $"/rest/v1/events-subscriptions/{subscription}/actions/replay",
            service.Token("subscriptions:read", "subscriptions:write"));
        replay.Content = JsonContent.Create(new JsonObject { ["since"] = since.ToString("O"), ["until"] = until.ToString("O"), ["onlyFailed"] = true });
        using var replayed = await service.Http.SendAsync(replay);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Equal("1", replayed.Headers.GetValues("X-Replayed-Deliveries").Single());

        // Nothing is pending once the replayed delivery went: only it was queued again.
        var calls = await CallsAsync("window", 10);
        await WaitForAsync(subscription, i => i.Health.PendingDeliveries == 0);
        calls = [.. receiver.Calls("window")];
        Assert.Equal(10, calls.Count);
        Assert.Equal(($"{subscription}-{failed}", 200, 1),
            (calls[^1].Headers["webhook-id"], calls[^1].Status, JsonNode.Parse(calls[^1].Body)!["data"]!["step"]!.GetValue<int>()));
        var last = (await LogsAsync(subscription, 10))[^1];
        Assert.Equal(("SUCCEEDED", 1), (last.Outcome, last.Attempt));
    }

    [Fact]
    public async Task After_a_410_enable_sends_the_held_delivery_first_then_those_queued_meanwhile_in_order()
    {
        var subscription = await SubscribeAsync(receiver.Url("gone-back", "410 200"));
        await api.OkAsync(HttpMethod.Put, $"/rest/v1/{resource}/1", new JsonObject { ["step"] = 1 });
        await WaitForAsync(subscription, i => i.Status == "SUSPENDED");
        for (var step = 2; step <= 3; step++)
        {
            await api.OkAsync(HttpMethod.Patch, $"/rest/v1/{resource}/1", new JsonObject { ["step"] = step });
        }
        await WaitForAsync(subscription, i => i.Health.PendingDeliveries == 3);

        await api.OkAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{subscription}/actions/enable");

        await CallsAsync("gone-back", 4);
        var item = await WaitForAsync(subscription, i => i.Health.PendingDeliveries == 0);
        Assert.Equal("ACTIVE", item.Status);
        var calls = receiver.Calls("gone-back");
        Assert.Equal([(1, 410), (1, 200), (2, 200), (3, 200)],
            calls.Select(c => (JsonNode.Parse(c.Body)!["data"]!["step"]!.GetValue<int>(), c.Status)));
        Assert.Equal(calls[0].Headers["webhook-id"], calls[1].Headers["webhook-id"]);
        Assert.Equal(calls[0].Body, calls[1].Body);
    }

    [Fact]
    public async Task Max_in_flight_bounds_how_many_calls_a_slow_receiver_answers_at_once()
    {
        await SubscribeAsync(receiver.Url("slow-two", TimeSpan.FromMilliseconds(800)), """{"delivery": {"maxInFlight": 2}}""");

        for (var entity = 1; entity <= 6; entity++)
        {
            await api.OkAsync(HttpMethod.Put, $"/rest/v1/{resource}/{entity}", new JsonObject { ["n"] = entity });
        }

        var calls = await CallsAsync("slow-two", 6);
        Assert.Equal(Enumerable.Range(1, 6), calls.Select(c => JsonNode.Parse(c.Body)!["data"]!["n"]!.GetValue<int>()).Order());
        Assert.All(calls, c => Assert.Equal(200, c.Status));
        // Two at once, never more: the receiver, slow but answering, is kept as busy as allowed.
        Assert.Equal(2, receiver.MaxConcurrent("slow-two"));
    }

    [Fact]
    public async Task With_retries_forced_each_entity_still_arrives_in_order_and_others_are_not_held_back()
    {
        await SubscribeAsync(receiver.Url("ordering", "503 503 200", retryAfter: "3"), """{"delivery": {"maxInFlight": 4}}""");
        for (var step = 1; step <= 3; step++)
        {
            for (var entity = 1; entity <= 4; entity++)
            {
                await api.OkAsync(HttpMethod.Put, $"/rest/v1/{resource}/{entity}", new JsonObject { ["step"] = step });
            }
        }

        List<(long Entity, int Step, DateTimeOffset At)> Succeeded() => [.. receiver.Calls("ordering").Where(c => c.Status == 200)
            .Select(c => (JsonNode.Parse(c.Body)!["data"]!, c.At))
            .Select(p => (p.Item1["id"]!.GetValue<long>(), p.Item1["step"]!.GetValue<int>(), p.At))];
        await Eventually.HoldsAsync(() => Succeeded().Count >= 12, TimeSpan.FromSeconds(60), "the twelve deliveries never all succeeded");
        var delivered = Succeeded();
        Assert.Equal(12, delivered.Count);
        foreach (var entity in delivered.GroupBy(d => d.Entity))
        {
            Assert.Equal([1, 2, 3], entity.Select(d => d.Step));
        }
        // The entities whose first call failed wait 3 s (Retry-After) for their retry; the others are
        // all through before that.
        // The script fails the first two calls of the path: two entities' first deliveries.
        var failed = receiver.Calls("ordering").Where(c => c.Status != 200).Select(c => JsonNode.Parse(c.Body)!["data"]!["id"]!.GetValue<long>()).ToHashSet();
        Assert.Equal(2, receiver.Calls("ordering").Count(c => c.Status == 503));
        Assert.Equal(2, failed.Count);
        Assert.True(delivered.Where(d => !failed.Contains(d.Entity)).Max(d => d.At) < delivered.Where(d => failed.Contains(d.Entity)).Min(d => d.At),
            "an entity that never failed waited for a retried one");
    }

    [Fact]
    public async Task Max_per_second_caps_the_calls_to_the_receiver()
    {
        await SubscribeAsync(receiver.Url("capped"), """{"delivery": {"maxPerSecond": 2, "maxInFlight": 8}}""");
        // The same calls without a cap, in the same run: what the machine does when nothing holds it back.
        await SubscribeAsync(receiver.Url("uncapped"), """{"delivery": {"maxInFlight": 8}}""");

        for (var entity = 1; entity <= 8; entity++)
        {
            await api.OkAsync(HttpMethod.Put, $"/rest/v1/{resource}/{entity}", new JsonObject { ["n"] = entity });
        }

        var calls = await CallsAsync("capped", 8);
        Assert.Equal(8, calls.Count);
        var uncapped = await CallsAsync("uncapped", 8);
        Assert.True(uncapped[^1].At - uncapped[0].At < calls[^1].At - calls[0].At,
            $"uncapped {(uncapped[^1].At - uncapped[0].At).TotalSeconds:0.00} s, capped {(calls[^1].At - calls[0].At).TotalSeconds:0.00} s: the cap made no difference");
        // A burst of at most 2, then 2 a second: the last of 8 comes at least 3 s after the first.
        Assert.True(calls[^1].At - calls[0].At >= TimeSpan.FromSeconds(2.5), $"8 calls in {(calls[^1].At - calls[0].At).TotalSeconds:0.00} s");
        for (var i = 4; i < calls.Count; i++)
        {
            Assert.True(calls[i].At - calls[i - 4].At >= TimeSpan.FromSeconds(1.2), $"calls {i - 4} to {i} within {(calls[i].At - calls[i - 4].At).TotalSeconds:0.00} s");
        }
    }

    [Fact]
    public async Task Retry_after_on_a_503_is_honoured()
    {
        // The schedule of this cluster retries after about 1 s; Retry-After asks for 4 s.
        var subscription = await SubscribeAsync(receiver.Url("busy", "503 200", retryAfter: "4"));

        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Cid" });

        var calls = await CallsAsync("busy", 2);
        Assert.InRange((calls[1].At - calls[0].At).TotalSeconds, 3.9, 30);
        // The refusal's headers are kept with its attempt (and none with the success).
        var (_, page, _) = await api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{subscription}/logs");
        var entries = page.GetProperty("data").EnumerateArray().ToList();
        Assert.Contains("Retry-After: 4", entries.Single(e => e.GetProperty("statusCode").GetInt32() == 503).GetProperty("responseHeaders").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null,
            entries.Single(e => e.GetProperty("statusCode").GetInt32() == 200).GetProperty("responseHeaders").ValueKind);
    }

    [Fact]
    public async Task A_receiver_that_hangs_times_out_and_the_delivery_is_retried()
    {
        var subscription = await SubscribeAsync(receiver.Url("slow", "hang 200"), """{"delivery": {"timeoutSeconds": 1}}""");

        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Dee" });

        Assert.Equal(2, (await CallsAsync("slow", 2)).Count);
        var logs = await LogsAsync(subscription, 2);
        Assert.Equal("RETRY_SCHEDULED", logs[0].Outcome);
        Assert.Contains("no answer within 1 s", logs[0].Error);
        Assert.Equal("SUCCEEDED", logs[1].Outcome);
    }

    [Fact]
    public async Task A_delivery_failing_every_attempt_is_exhausted()
    {
        var subscription = await SubscribeAsync(receiver.Url("down", "500"));

        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Eve" });

        var logs = await LogsAsync(subscription, 4);
        Assert.Equal(["RETRY_SCHEDULED", "RETRY_SCHEDULED", "RETRY_SCHEDULED", "EXHAUSTED"], logs.Select(l => l.Outcome));
        var health = (await ItemAsync(subscription)).Health;
        Assert.Equal("FAILING", health.State);
        Assert.Equal(4, health.ConsecutiveFailures);
        Assert.Equal(0, health.PendingDeliveries);
    }

    [Fact]
    public async Task The_first_exhausted_delivery_sends_one_email_in_24_hours()
    {
        var address = $"ops-{Guid.NewGuid():N}@example.com";
        var subscription = await SubscribeAsync(receiver.Url("mailed", "500"), $$"""{"failureEmail": "{{address}}"}""");

        await api.OkAsync(HttpMethod.Put, $"/rest/v1/{resource}/1", new JsonObject { ["name"] = "one" });
        await api.OkAsync(HttpMethod.Put, $"/rest/v1/{resource}/2", new JsonObject { ["name"] = "two" });

        Assert.Equal(2, (await LogsAsync(subscription, 8)).Count(l => l.Outcome == "EXHAUSTED"));
        // A control that never mailed, exhausting a delivery of its own from now on (an event the
        // subject does not take): its e-mail comes seconds after the subject's second exhaustion,
        // so a second e-mail of the subject would be here by then.
        var controlAddress = $"control-{Guid.NewGuid():N}@example.com";
        await SubscribeAsync(receiver.Url("mailed-control", "500"), $$"""{"failureEmail": "{{controlAddress}}", "events": ["entity:{{resource}}:deleted"]}""");
        await api.OkAsync(HttpMethod.Delete, $"/rest/v1/{resource}/1");
        await Eventually.HoldsAsync(() => service.Smtp.Mails.Any(m => m.Recipients.Contains(controlAddress)), TimeSpan.FromSeconds(60),
            "the control's e-mail never arrived");
        var mail = Assert.Single(service.Smtp.Mails, m => m.Recipients.Contains(address) && m.Data.Contains("was given up"));
        Assert.Contains($"subscription {subscription}", mail.Data);
        Assert.Contains("failed 4 times", mail.Data);
    }

    [Fact]
    public async Task Failing_calls_are_told_within_seconds_once_an_hour_and_their_recovery_too()
    {
        var address = $"notice-{Guid.NewGuid():N}@example.com";
        // A receiver that refuses its calls (401: a wrong key at its gateway), then takes them.
        var subscription = await SubscribeAsync(receiver.Url("refusing", "401 401 401 401 200"), $$"""{"failureEmail": "{{address}}"}""");

        await api.OkAsync(HttpMethod.Put, $"/rest/v1/{resource}/1", new JsonObject { ["name"] = "one" });
        await api.OkAsync(HttpMethod.Put, $"/rest/v1/{resource}/2", new JsonObject { ["name"] = "two" });

        // Two calls in a row failed (the two entities' first attempts): told at once, not after a day of retries.
        await Eventually.HoldsAsync(() => service.Smtp.Mails.Any(m => m.Recipients.Contains(address) && m.Data.Contains("times in a row")),
            TimeSpan.FromSeconds(30), "no notice of failing calls within 30 seconds");
        var notice = Assert.Single(service.Smtp.Mails, m => m.Recipients.Contains(address));
        Assert.Contains("401", notice.Data);
        Assert.Contains("will be suspended", notice.Data);
        Assert.Contains($"subscription {subscription}", notice.Data);

        // Their retries (5 s later) fail again: still the one notice this hour. Then a call succeeds
        // (a third entity's, not held behind the others'): the recovery is told.
        await CallsAsync("refusing", 4);
        await api.OkAsync(HttpMethod.Put, $"/rest/v1/{resource}/3", new JsonObject { ["name"] = "three" });
        await Eventually.HoldsAsync(() => service.Smtp.Mails.Any(m => m.Recipients.Contains(address) && m.Data.Contains("succeeded on")),
            TimeSpan.FromSeconds(60), "the recovery was never told");
        Assert.Single(service.Smtp.Mails, m => m.Recipients.Contains(address) && m.Data.Contains("times in a row"));
    }

    [Fact]
    public async Task A_410_suspends_the_subscription_at_once()
    {
        var address = $"gone-{Guid.NewGuid():N}@example.com";
        var subscription = await SubscribeAsync(receiver.Url("gone", "410"), $$"""{"failureEmail": "{{address}}"}""");

        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Fay" });

        var log = Assert.Single(await LogsAsync(subscription, 1));
        Assert.Equal(("FAILED", 410), (log.Outcome, log.StatusCode ?? 0));
        var item = await WaitForAsync(subscription, i => i.Status == "SUSPENDED");
        Assert.Contains("410", item.StatusReason);
        Assert.Equal(1, item.Health.PendingDeliveries);
        await Eventually.HoldsAsync(() => service.Smtp.Mails.Any(m => m.Recipients.Contains(address)), TimeSpan.FromSeconds(30),
            "the suspension e-mail never arrived");
        Assert.Single(service.Smtp.Mails, m => m.Recipients.Contains(address) && m.Data.Contains("was suspended"));
    }

    [Fact]
    public async Task Deliveries_queued_while_suspended_go_out_in_order_on_enable_and_archive_cancels_the_rest()
    {
        var ordered = await SubscribeAsync(receiver.Url("ordered"));
        var archived = await SubscribeAsync(receiver.Url("archived"));
        // Active beside them: its calls show how soon the suspended ones would have sent theirs.
        await SubscribeAsync(receiver.Url("control"));
        foreach (var id in new[] { ordered, archived })
        {
            await api.OkAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{id}/actions/suspend", new JsonObject { ["reason"] = "hold" });
        }

        await api.OkAsync(HttpMethod.Put, $"/rest/v1/{resource}/1", new JsonObject { ["step"] = 0 });
        for (var step = 1; step <= 4; step++)
        {
            await api.OkAsync(HttpMethod.Patch, $"/rest/v1/{resource}/1", new JsonObject { ["step"] = step });
        }
        await WaitForAsync(ordered, i => i.Health.PendingDeliveries == 5);
        await WaitForAsync(archived, i => i.Health.PendingDeliveries == 5);
        Assert.Equal(5, (await CallsAsync("control", 5)).Count);
        Assert.Empty(receiver.Calls("ordered"));
        Assert.Empty(receiver.Calls("archived"));

        await api.OkAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{ordered}/actions/enable");
        await api.OkAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{archived}/actions/archive");

        var calls = await CallsAsync("ordered", 5);
        Assert.Equal([0, 1, 2, 3, 4], calls.Select(c => JsonNode.Parse(c.Body)!["data"]!["step"]!.GetValue<int>()));
        var cancelled = await LogsAsync(archived, 5);
        Assert.All(cancelled, l => Assert.Equal("CANCELLED", l.Outcome));
        // The enabled one sent its five meanwhile; the archived one, cancelled, sent nothing.
        Assert.Empty(receiver.Calls("archived"));
    }

    [Fact]
    public async Task Events_and_deliveries_in_flight_across_a_postgresql_restart_all_arrive()
    {
        var subscription = await SubscribeAsync(receiver.Url("pg-restart"));
        var accepted = new System.Collections.Concurrent.ConcurrentBag<string>();
        var refused = 0;
        using var stop = new CancellationTokenSource();
        // Four writers change twenty entities without pause; what the API confirmed (2xx) must arrive.
        var writers = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            for (var round = 0; !stop.IsCancellationRequested; round++)
            {
                try
                {
                    var (status, _, eventId) = await api.SendAsync(HttpMethod.Put, $"/rest/v1/{resource}/{writer * 5 + round % 5 + 1}",
                        new JsonObject { ["round"] = round, ["writer"] = writer });
                    if ((int)status is >= 200 and < 300 && eventId is not null)
                    {
                        accepted.Add(eventId);
                    }
                    else
                    {
                        Interlocked.Increment(ref refused);
                        await Task.Delay(100);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref refused);
                    await Task.Delay(100);
                }
            }
        })).ToList();

        await Eventually.HoldsAsync(() => receiver.Calls("pg-restart").Count >= 50, TimeSpan.FromSeconds(60), "deliveries did not get going");
        await TestEnvironment.PostgresAsync("stop");
        try
        {
            await Eventually.HoldsAsync(() => Volatile.Read(ref refused) > 0, TimeSpan.FromSeconds(30), "no change was refused while PostgreSQL was down");
        }
        finally
        {
            await TestEnvironment.PostgresAsync("start");
            Npgsql.NpgsqlConnection.ClearAllPools();
        }
        var acceptedAtRestart = accepted.Count;
        await Eventually.HoldsAsync(() => accepted.Count >= acceptedAtRestart + 50, TimeSpan.FromSeconds(60), "changes were not accepted again after the restart");
        stop.Cancel();
        await Task.WhenAll(writers);

        var expected = accepted.ToHashSet();
        string EventOf(ReceivedCall call) => call.Headers["webhook-id"][(subscription.ToString().Length + 1)..];
        await Eventually.HoldsAsync(() => expected.IsSubsetOf(receiver.Calls("pg-restart").Select(EventOf)), TimeSpan.FromSeconds(120),
            $"accepted events never arrived: {expected.Except(receiver.Calls("pg-restart").Select(EventOf)).Count()} of {expected.Count}");

        // The gauges of the stream's queue say it drained, with nothing dead-lettered: reported by
        // one silo, the cluster lease's holder (its session ended with the restart: taken again).
        using var http = new HttpClient();
        await Eventually.HoldsAsync(async () =>
        {
            var scrapes = await Task.WhenAll(service.MetricsPorts.Select(p => http.GetStringAsync($"http://localhost:{p}/metrics")));
            var reporting = scrapes.Where(scrape => Gauge(scrape, "es_stream_backlog") is not null).ToList();
            return reporting.Count == 1 && reporting.All(scrape => Gauge(scrape, "es_stream_backlog") == 0
                && Gauge(scrape, "es_stream_dead_letters") == 0 && Gauge(scrape, "es_stream_oldest_age_seconds") == 0);
        }, TimeSpan.FromSeconds(60), "the stream's gauges never showed a drained queue, reported by one silo");

        static double? Gauge(string scrape, string name) => scrape.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(l => (double?)double.Parse((l.Contains('}') ? l[(l.LastIndexOf('}') + 1)..] : l[name.Length..]).Trim().Split(' ')[0],
                System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
    }

    [Fact]
    public async Task Queues_that_drain_and_refill_deliver_everything_without_reminder_errors()
    {
        var mark = service.OutputMark();
        var names = new[] { "churn-a", "churn-b", "churn-c" };
        foreach (var name in names)
        {
            await SubscribeAsync(receiver.Url(name));
        }

        // Rounds of changes, each delivered before the next: every queue drains and refills.
        for (var round = 1; round <= 5; round++)
        {
            await Task.WhenAll(Enumerable.Range(1, 10).Select(entity =>
                api.OkAsync(HttpMethod.Put, $"/rest/v1/{resource}/{entity}", new JsonObject { ["round"] = round })));
            foreach (var name in names)
            {
                Assert.Equal(10 * round, (await CallsAsync(name, 10 * round)).Count);
            }
        }

        // Registering and dropping the delivery reminder raced and failed calls before (tag mismatch).
        // Only what the silos wrote during this test: another test's leftovers are not this one's.
        Assert.DoesNotContain("ReminderException", service.OutputSince(mark));
        Assert.DoesNotContain("Could not unregister reminder", service.OutputSince(mark));
    }

    [Fact]
    public async Task A_subscription_created_while_others_fail_and_succeed_shows_only_its_own_health_in_get_and_list()
    {
        var failing = await SubscribeAsync(receiver.Url("iso-down", "503"));
        var healthy = await SubscribeAsync(receiver.Url("iso-up", "200"));
        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Iso" });
        await WaitForAsync(failing, i => i.Health.ConsecutiveFailures == 3);
        await WaitForAsync(healthy, i => i.Health.State == "HEALTHY");

        var fresh = await SubscribeAsync(receiver.Url("iso-new", "200"));

        var expected = """{"state":"UNKNOWN","consecutiveFailures":0,"lastSuccessOn":null,"lastFailureOn":null,"lastError":null,"pendingDeliveries":0}""";
        // The exact rendering of the health (every field, nulls written) is the point: raw JSON.
        Assert.Equal(expected, (await ItemRawAsync(fresh)).GetProperty("health").GetRawText());
        // The list tells what GET tells (its copy is written just after each attempt).
        async Task<(long Id, string Health)[]> ListedAsync(string state)
        {
            var (status, page, _) = await api.SendAsync(HttpMethod.Get,
                $"/rest/v1/events-subscriptions?health.state={state}&id:in={failing},{healthy},{fresh}");
            Assert.Equal(HttpStatusCode.OK, status);
            return [.. page.GetProperty("data").EnumerateArray().Select(i => (i.GetProperty("id").GetInt64(), i.GetProperty("health").GetRawText()))];
        }
        var expectations = new[] { ("FAILING", failing), ("HEALTHY", healthy), ("UNKNOWN", fresh) };
        await Eventually.HoldsAsync(async () =>
        {
            foreach (var (state, id) in expectations)
            {
                var listed = await ListedAsync(state);
                if (listed.Length != 1 || listed[0].Id != id || listed[0].Health != (await ItemRawAsync(id)).GetProperty("health").GetRawText())
                {
                    return false;
                }
            }
            return true;
        }, TimeSpan.FromSeconds(30), "the list never told each subscription's health as GET does");
        var (either, both, _) = await api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions?health.state:in=FAILING,UNKNOWN&id:in={failing},{healthy},{fresh}");
        Assert.Equal(HttpStatusCode.OK, either);
        Assert.Equal([failing, fresh], both.As<ListPage<SubscriptionView>>().Data.Select(i => i.Id).Order());
        var (refused, problem, _) = await api.SendAsync(HttpMethod.Get, "/rest/v1/events-subscriptions?health.state=SICK");
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Contains("health.state", problem.GetRawText());
    }

    [Fact]
    public async Task A_receiver_answering_a_nul_body_is_logged_and_every_subscription_gets_exactly_one_call()
    {
        var poison = await SubscribeAsync(receiver.Url("nul-body", "ok\0done"u8.ToArray()));
        var healthy = new List<(string Name, long Id)>();
        foreach (var name in new[] { "beside-1", "beside-2", "beside-3" })
        {
            healthy.Add((name, await SubscribeAsync(receiver.Url(name))));
        }

        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Nul" });

        var logged = Assert.Single(await LogsAsync(poison, 1));
        Assert.Equal(("SUCCEEDED", 200), (logged.Outcome, logged.StatusCode));
        var (_, page, _) = await api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{poison}/logs");
        Assert.Equal("ok\uFFFDdone", page.As<ListPage<LogEntryView>>().Data[0].ResponseExcerpt);
        foreach (var (name, id) in healthy)
        {
            Assert.Equal("SUCCEEDED", Assert.Single(await LogsAsync(id, 1)).Outcome);
        }
        // Recorded once each, so none is sent again: one call each, one webhook-id each.
        Assert.Single(receiver.Calls("nul-body"));
        Assert.All(healthy, h => Assert.Single(receiver.Calls(h.Name)));
        Assert.Equal("HEALTHY", (await ItemAsync(poison)).Health.State);
    }

    [Fact]
    public async Task An_exhausted_delivery_retried_on_request_succeeds_and_the_metrics_tell_why_it_failed()
    {
        var subscription = await SubscribeAsync(receiver.Url("retry-me", "503"));
        var eventId = await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Retry" });
        Assert.Equal(["RETRY_SCHEDULED", "RETRY_SCHEDULED", "RETRY_SCHEDULED", "EXHAUSTED"], (await LogsAsync(subscription, 4)).Select(l => l.Outcome));
        receiver.Url("retry-me", "200");

        var path = $"/rest/v1/events-subscriptions/{subscription}/deliveries/{eventId}/actions/retry";
        var (status, body, _) = await api.SendAsync(HttpMethod.Post, path);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("EXHAUSTED", body.Data<RetryView>().PreviousState);
        var logs = await LogsAsync(subscription, 5);
        Assert.Equal(("SUCCEEDED", 1, 200), (logs[^1].Outcome, logs[^1].Attempt, logs[^1].StatusCode));
        Assert.Equal(5, receiver.Calls("retry-me").Count);
        Assert.Single(receiver.Calls("retry-me").Select(c => c.Headers["webhook-id"]).Distinct());
        await WaitForAsync(subscription, i => i.Health.State == "HEALTHY");

        Assert.Equal(HttpStatusCode.NotFound, (await api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{subscription}/deliveries/{Guid.NewGuid()}/actions/retry")).Status);

        // The failures are counted by kind, with durations in buckets made for seconds.
        using var http = new HttpClient();
        var scrapes = string.Join('\n', await Task.WhenAll(service.MetricsPorts.Select(p => http.GetStringAsync($"http://localhost:{p}/metrics"))));
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
        var subscription = await SubscribeAsync(receiver.Url("cut-short", "cut"));

        await api.OkAsync(HttpMethod.Post, $"/rest/v1/{resource}", new JsonObject { ["name"] = "Cut" });

        var logs = await LogsAsync(subscription, 4);
        Assert.Equal(["RETRY_SCHEDULED", "RETRY_SCHEDULED", "RETRY_SCHEDULED", "EXHAUSTED"], logs.Select(l => l.Outcome));
        Assert.All(logs, l => Assert.True(l.StatusCode is 500 || l.Error?.StartsWith("connection failed") == true, $"{l.StatusCode} {l.Error}"));
        var item = await WaitForAsync(subscription, i => i.Health.PendingDeliveries == 0);
        Assert.Equal(("FAILING", 4), (item.Health.State, item.Health.ConsecutiveFailures));
        var (tested, entry, _) = await api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{subscription}/actions/test");
        Assert.True(tested == HttpStatusCode.OK, $"test answered {(int)tested}: {entry}");
        Assert.Equal("FAILED", entry.Data<LogEntryView>().Outcome);
    }

    /// <summary>es_delivery_attempts_total{outcome="SUCCEEDED"} summed over the silos (their counters are cumulative).</summary>
    [Fact]
    public async Task Exactly_one_silo_runs_the_cluster_jobs_and_reports_the_backlog_gauges()
    {
        using var http = new HttpClient();
        var pages = new List<string>();
        await Eventually.HoldsAsync(async () =>
        {
            pages = [];
            foreach (var port in service.MetricsPorts)
            {
                try
                {
                    pages.Add(await http.GetStringAsync($"http://localhost:{port}/metrics"));
                }
                catch (HttpRequestException)
                {
                    // A silo another test stopped.
                }
            }
            return pages.Count >= 2 && pages.Count(p => Values(p, "es_cluster_jobs").Sum() == 1) == 1
                && pages.Count(p => Values(p, "es_delivery_backlog").Any()) == 1;
        }, TimeSpan.FromSeconds(45), "not exactly one silo held the cluster lease and reported the backlog");
        var holder = pages.Single(p => Values(p, "es_cluster_jobs").Sum() == 1);
        Assert.Single(Values(holder, "es_delivery_backlog"));
        Assert.Single(Values(holder, "es_stream_backlog"));
        Assert.All(pages.Where(p => p != holder), p => Assert.Empty(Values(p, "es_delivery_oldest_pending_age_seconds")));
    }

    /// <summary>The values of one metric on a Prometheus page (one per series).</summary>
    private static List<double> Values(string page, string metric) =>
    [
        .. page.Split('\n')
            .Where(l => l.StartsWith(metric + " ", StringComparison.Ordinal) || l.StartsWith(metric + "{", StringComparison.Ordinal))
            .Select(l => double.Parse((l.Contains('}') ? l[(l.LastIndexOf('}') + 1)..] : l[metric.Length..]).Trim().Split(' ')[0],
                System.Globalization.CultureInfo.InvariantCulture)),
    ];

    private async Task<double> SucceededAttemptsAsync()
    {
        using var http = new HttpClient();
        var scrapes = await Task.WhenAll(service.MetricsPorts.Select(p => http.GetStringAsync($"http://localhost:{p}/metrics")));
        return scrapes.SelectMany(s => s.Split('\n'))
            .Where(l => l.StartsWith("es_delivery_attempts_total{", StringComparison.Ordinal) && l.Contains("outcome=\"SUCCEEDED\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task<long> SubscribeAsync(string url, string? extra = null)
    {
        var body = EventsClient.Subscription($"entity:{resource}:created entity:{resource}:updated", """{"filters": [{"tag": "context.*"}]}""");
        body["url"] = url;
        body["secret"] = Secret;
        foreach (var (name, value) in JsonNode.Parse(extra ?? "{}")!.AsObject())
        {
            body[name] = value?.DeepClone();
        }
        var id = await api.SubscribeAsync(body);
        created.Add(id);
        return id;
    }

    private async Task<List<ReceivedCall>> CallsAsync(string name, int count)
    {
        await Eventually.HoldsAsync(() => receiver.Calls(name).Count >= count, TimeSpan.FromSeconds(60), $"'{name}' never received {count} call(s)");
        return [.. receiver.Calls(name)];
    }

    private async Task<SubscriptionView> ItemAsync(long subscription) => (await ItemRawAsync(subscription)).As<SubscriptionView>();

    private async Task<JsonElement> ItemRawAsync(long subscription) =>
        (await api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{subscription}")).Body.GetProperty("data");

    private async Task<SubscriptionView> WaitForAsync(long subscription, Func<SubscriptionView, bool> condition)
    {
        SubscriptionView? item = null;
        await Eventually.HoldsAsync(async () => condition(item = await ItemAsync(subscription)), TimeSpan.FromSeconds(60),
            $"subscription {subscription} never reached the expected state");
        return item!;
    }

    private async Task<List<LogRow>> LogsAsync(long subscription, int count)
    {
        var rows = new List<LogRow>();
        await Eventually.HoldsAsync(async () => (rows = await ReadLogAsync(subscription)).Count >= count, TimeSpan.FromSeconds(60),
            $"subscription {subscription} never logged {count} attempt(s)");
        return rows;
    }

    private async Task<List<LogRow>> ReadLogAsync(long subscription)
    {
        await using var connection = new NpgsqlConnection(service.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT attempt, outcome, status_code, error, delivery_id FROM delivery_log WHERE subscription_id = $1 ORDER BY id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = subscription });
        var rows = new List<LogRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new LogRow(reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4)));
        }
        return rows;
    }
}
