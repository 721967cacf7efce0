namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>The attempt log: served newest first, and records the database refused written later, never by calling again.</summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class DeliveryRecordTests(DeliveryCluster service) : DeliveryTest(service)
{
    [Fact]
    public async Task An_attempt_whose_record_failed_is_recorded_later_without_calling_the_receiver_again()
    {
        var subscription = await SubscribeAsync(Receiver.Url("unrecorded"));
        var mark = Service.OutputMark();
        // The attempt log refuses this subscription's rows for a while: its records fail, as they do
        // while PostgreSQL restarts, after the receiver has answered. A transient error (class 40),
        // not one about what the row holds (those are the next tests').
        await using (await RefuseLogRowsAsync(subscription, "serialization_failure"))
        {
            await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Una" });
            await CallsAsync("unrecorded", 1);
            // The record is tried again 5 s after it failed, and fails again: the silo says so once it
            // has. The receiver, which answered the first call, was not called for that second try.
            await WaitForOutputAsync(mark, $@"Subscription {subscription}: delivery \S+ not recorded \(2 in a row\)",
                "the silo never told of a second failed record");
            Assert.Single(Receiver.Calls("unrecorded"));
            Assert.Empty(await ReadLogAsync(subscription));
        }

        var log = Assert.Single(await LogsAsync(subscription, 1));
        Assert.Equal(("SUCCEEDED", 200, 1), (log.Outcome, log.StatusCode, log.Attempt));
        Assert.Equal(Receiver.Calls("unrecorded").Single().Headers["webhook-id"], log.DeliveryId);
        await WaitForAsync(subscription, item => item.Health.PendingDeliveries == 0);
        Assert.Single(Receiver.Calls("unrecorded"));
    }

    [Fact]
    public async Task An_answer_the_log_refuses_to_store_is_recorded_without_its_text_and_the_delivery_settles()
    {
        var subscription = await SubscribeAsync(Receiver.Url("unstorable", Encoding.UTF8.GetBytes("poison answer")));
        // The attempt log refuses any row holding this receiver's text: a record refused for what
        // it holds, not for an outage. Without a way out the delivery stayed pending for ever.
        await using (await RefuseLogRowsAsync(subscription, "check_violation", "NEW.response_excerpt LIKE '%poison%'"))
        {
            await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Vic" });
            await CallsAsync("unstorable", 1);

            // The record is tried again 5 s later without the receiver's text, and holds.
            var log = Assert.Single(await LogsAsync(subscription, 1));
            Assert.Equal(("SUCCEEDED", 200, 1), (log.Outcome, log.StatusCode, log.Attempt));
            Assert.Equal(0L, await ScalarAsync<long>(
                $"SELECT count(*) FROM delivery_log WHERE subscription_id = {subscription} AND response_excerpt IS NOT NULL"));
            await WaitForAsync(subscription, item => item.Health.PendingDeliveries == 0);
            Assert.Single(Receiver.Calls("unstorable"));
        }
    }

    [Fact]
    public async Task A_record_refused_even_without_the_receivers_text_waits_pending_and_is_written_once_the_database_takes_it()
    {
        var subscription = await SubscribeAsync(Receiver.Url("unloggable", "200"));
        var mark = Service.OutputMark();
        // The attempt log refuses every row of this subscription, with or without the receiver's
        // text: a refusal by the schema, not by the row. No log row is dropped for it.
        await using (await RefuseLogRowsAsync(subscription, "check_violation"))
        {
            await Api.OkAsync(HttpMethod.Put, $"/rest/v1/{Resource}/1", new JsonObject { ["name"] = "Una" });
            await CallsAsync("unloggable", 1);
            // Refused at once, then 5 s later without the text; the next try is 10 s after that. The
            // silo tells of the second refusal once it has decided: the delivery stays pending.
            await WaitForOutputAsync(mark, $"Subscription {subscription}: the database refused the record of delivery \\S+ again without",
                "the silo never told of the record refused without the receiver's text");
            Assert.Equal(1, (await ItemAsync(subscription)).Health.PendingDeliveries);
            Assert.Empty(await ReadLogAsync(subscription));
            Assert.Single(Receiver.Calls("unloggable"));
        }

        // Once the database takes it, the record is written (without the text), the receiver not called again.
        var log = Assert.Single(await LogsAsync(subscription, 1));
        Assert.Equal(("SUCCEEDED", 200, 1), (log.Outcome, log.StatusCode, log.Attempt));
        await WaitForAsync(subscription, item => item.Health.PendingDeliveries == 0);
        Assert.Single(Receiver.Calls("unloggable"));
    }

    [Fact]
    public async Task A_failed_call_whose_record_is_refused_twice_is_logged_once_with_its_errors_kind()
    {
        // Nothing listens there: the call fails to connect, an error in the service's words with the system's after a colon.
        var subscription = await SubscribeAsync($"http://127.0.0.1:{Ports.Free()}/closed");
        var mark = Service.OutputMark();
        await using (await RefuseLogRowsAsync(subscription, "check_violation"))
        {
            await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Ida" });
            // Refused at once, then 5 s later without the system's text (the silo tells of that
            // second refusal); the next try is 10 s after that.
            await WaitForOutputAsync(mark, $"Subscription {subscription}: the database refused the record of delivery \\S+ again without",
                "the silo never told of the record refused a second time");
            Assert.Empty(await ReadLogAsync(subscription));
        }

        // The error is cut to its kind once, however many times the record was refused.
        var first = (await LogsAsync(subscription, 1))[0];
        Assert.Equal((1, "connection failed (the rest of the error could not be stored)"), (first.Attempt, first.Error));
    }

    [Fact]
    public async Task The_log_is_served_newest_first_with_filters_and_on_the_item()
    {
        var subscription = await SubscribeAsync(Receiver.Url("logged", "500 200"));
        var eventId = await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Gus" });
        await LogsAsync(subscription, 2);
        var path = $"/rest/v1/events-subscriptions/{subscription}";

        var (status, page, _) = await Api.SendAsync(HttpMethod.Get, $"{path}/logs");
        Assert.Equal(HttpStatusCode.OK, status);
        var log = page.As<ListPage<LogEntryView>>();
        Assert.Equal(2, log.Meta.Count);
        Assert.Equal(["SUCCEEDED", "RETRY_SCHEDULED"], log.Data.Select(e => e.Outcome));
        var first = log.Data[1];
        Assert.Equal(subscription, first.EventsSubscription);
        Assert.Equal(eventId, first.EventData.EventId);
        Assert.Equal($"entity:{Resource}:created", first.EventData.Event);
        Assert.Equal(Resource, first.EventData.Resource);
        Assert.Equal(500, first.StatusCode);
        Assert.Contains("nope", first.ResponseExcerpt);
        Assert.NotNull(first.NextAttemptOn);

        var (_, succeeded, _) = await Api.SendAsync(HttpMethod.Get, $"{path}/logs?outcome=succeeded&eventId={eventId}&limit=1");
        Assert.Equal(1, succeeded.As<ListPage<LogEntryView>>().Meta.Count);
        var (_, none, _) = await Api.SendAsync(HttpMethod.Get, $"{path}/logs?since=2999-01-01");
        Assert.Equal(0, none.As<ListPage<LogEntryView>>().Meta.Count);
        var (bad, _, _) = await Api.SendAsync(HttpMethod.Get, $"{path}/logs?outcome=MAYBE");
        Assert.Equal(HttpStatusCode.BadRequest, bad);

        var (_, withLogs, _) = await Api.SendAsync(HttpMethod.Get, $"{path}?include=logs");
        Assert.Equal(2, withLogs.Data<SubscriptionView>().Logs?.Count);
        var (badInclude, _, _) = await Api.SendAsync(HttpMethod.Get, $"{path}?include=secrets");
        Assert.Equal(HttpStatusCode.BadRequest, badInclude);
    }

    [Fact]
    public async Task A_receiver_answering_a_nul_body_is_logged_and_every_subscription_gets_exactly_one_call()
    {
        var poison = await SubscribeAsync(Receiver.Url("nul-body", "ok\0done"u8.ToArray()));
        var healthy = new List<(string Name, long Id)>();
        foreach (var name in new[] { "beside-1", "beside-2", "beside-3" })
        {
            healthy.Add((name, await SubscribeAsync(Receiver.Url(name))));
        }

        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Nul" });

        var logged = Assert.Single(await LogsAsync(poison, 1));
        Assert.Equal(("SUCCEEDED", 200), (logged.Outcome, logged.StatusCode));
        var (_, page, _) = await Api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions/{poison}/logs");
        Assert.Equal("ok\uFFFDdone", page.As<ListPage<LogEntryView>>().Data[0].ResponseExcerpt);
        foreach (var (name, id) in healthy)
        {
            Assert.Equal("SUCCEEDED", Assert.Single(await LogsAsync(id, 1)).Outcome);
        }
        // Recorded once each, so none is sent again: one call each, one webhook-id each.
        Assert.Single(Receiver.Calls("nul-body"));
        Assert.All(healthy, h => Assert.Single(Receiver.Calls(h.Name)));
        Assert.Equal("HEALTHY", (await ItemAsync(poison)).Health.State);
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
}
