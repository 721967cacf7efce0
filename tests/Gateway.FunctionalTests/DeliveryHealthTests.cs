namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>Health, suspension, archiving and the failure e-mails a subscription's deliveries cause.</summary>
[Trait("Category", "Functional")]
[Collection(DeliveryClusterCollection.Name)]
public sealed class DeliveryHealthTests(DeliveryCluster service) : DeliveryTest(service)
{
    [Fact]
    public async Task A_call_under_way_when_its_subscription_is_archived_ends_the_delivery_with_its_own_answer_only()
    {
        var answered = await SubscribeAsync(Receiver.Url("archived-mid-call", TimeSpan.FromSeconds(2), "200"));
        var failed = await SubscribeAsync(Receiver.Url("archived-mid-failure", TimeSpan.FromSeconds(2), "500"));
        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Ida" });
        await Eventually.HoldsAsync(() => Task.FromResult(Receiver.MaxConcurrent("archived-mid-call") == 1 && Receiver.MaxConcurrent("archived-mid-failure") == 1),
            TimeSpan.FromSeconds(30), "the calls did not start");

        // Both receivers hold their calls for 2 s: both subscriptions are archived meanwhile.
        foreach (var id in new[] { answered, failed })
        {
            Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(HttpMethod.Post, $"/rest/v1/events-subscriptions/{id}/actions/archive")).Status);
        }

        var success = Assert.Single(await LogsAsync(answered, 1));
        Assert.Equal(("SUCCEEDED", 200), (success.Outcome, success.StatusCode));
        var cancelled = Assert.Single(await LogsAsync(failed, 1));
        Assert.Equal(("CANCELLED", 500), (cancelled.Outcome, cancelled.StatusCode));
        Assert.StartsWith("the subscription was archived; this attempt: the receiver answered 500", cancelled.Error);
        // Nothing more comes: no second outcome, no second call. The witness is each delivery's end:
        // nothing is left pending (no retry is due), and an archived subscription takes no new event.
        foreach (var id in new[] { answered, failed })
        {
            var item = await WaitForAsync(id, i => i.Health.PendingDeliveries == 0);
            Assert.Equal("ARCHIVED", item.Status);
        }
        Assert.Single(await ReadLogAsync(answered));
        Assert.Single(await ReadLogAsync(failed));
        Assert.Single(Receiver.Calls("archived-mid-call"));
        Assert.Single(Receiver.Calls("archived-mid-failure"));
    }

    [Fact]
    public async Task The_first_exhausted_delivery_sends_one_email_in_24_hours()
    {
        var address = $"ops-{Guid.NewGuid():N}@example.com";
        var subscription = await SubscribeAsync(Receiver.Url("mailed", "500"), $$"""{"failureEmail": "{{address}}"}""");

        await Api.OkAsync(HttpMethod.Put, $"/rest/v1/{Resource}/1", new JsonObject { ["name"] = "one" });
        await Api.OkAsync(HttpMethod.Put, $"/rest/v1/{Resource}/2", new JsonObject { ["name"] = "two" });

        Assert.Equal(2, (await LogsAsync(subscription, 8)).Count(l => l.Outcome == "EXHAUSTED"));
        // A control that never mailed, exhausting a delivery of its own from now on (an event the
        // subject does not take): its e-mail comes seconds after the subject's second exhaustion,
        // so a second e-mail of the subject would be here by then.
        var controlAddress = $"control-{Guid.NewGuid():N}@example.com";
        await SubscribeAsync(Receiver.Url("mailed-control", "500"), $$"""{"failureEmail": "{{controlAddress}}", "events": ["entity:{{Resource}}:deleted"]}""");
        await Api.OkAsync(HttpMethod.Delete, $"/rest/v1/{Resource}/1");
        await Eventually.HoldsAsync(() => Service.Smtp.Mails.Any(m => m.Recipients.Contains(controlAddress)), TimeSpan.FromSeconds(60),
            "the control's e-mail never arrived");
        var mail = Assert.Single(Service.Smtp.Mails, m => m.Recipients.Contains(address) && m.Data.Contains("was given up"));
        Assert.Contains($"subscription {subscription}", mail.Data);
        Assert.Contains("failed 4 times", mail.Data);
    }

    [Fact]
    public async Task Failing_calls_are_told_within_seconds_once_an_hour_and_their_recovery_too()
    {
        var address = $"notice-{Guid.NewGuid():N}@example.com";
        // A receiver that refuses its calls (401: a wrong key at its gateway), then takes them.
        var subscription = await SubscribeAsync(Receiver.Url("refusing", "401 401 401 401 200"), $$"""{"failureEmail": "{{address}}"}""");

        await Api.OkAsync(HttpMethod.Put, $"/rest/v1/{Resource}/1", new JsonObject { ["name"] = "one" });
        await Api.OkAsync(HttpMethod.Put, $"/rest/v1/{Resource}/2", new JsonObject { ["name"] = "two" });

        // Two calls in a row failed (the two entities' first attempts): told at once, not after a day of retries.
        await Eventually.HoldsAsync(() => Service.Smtp.Mails.Any(m => m.Recipients.Contains(address) && m.Data.Contains("times in a row")),
            TimeSpan.FromSeconds(30), "no notice of failing calls within 30 seconds");
        var notice = Assert.Single(Service.Smtp.Mails, m => m.Recipients.Contains(address));
        Assert.Contains("401", notice.Data);
        Assert.Contains("will be suspended", notice.Data);
        Assert.Contains($"subscription {subscription}", notice.Data);

        // Their retries (5 s later) fail again: still the one notice this hour. Then a call succeeds
        // (a third entity's, not held behind the others'): the recovery is told.
        await CallsAsync("refusing", 4);
        await Api.OkAsync(HttpMethod.Put, $"/rest/v1/{Resource}/3", new JsonObject { ["name"] = "three" });
        await Eventually.HoldsAsync(() => Service.Smtp.Mails.Any(m => m.Recipients.Contains(address) && m.Data.Contains("succeeded on")),
            TimeSpan.FromSeconds(60), "the recovery was never told");
        Assert.Single(Service.Smtp.Mails, m => m.Recipients.Contains(address) && m.Data.Contains("times in a row"));
    }

    [Fact]
    public async Task A_410_suspends_the_subscription_at_once()
    {
        var address = $"gone-{Guid.NewGuid():N}@example.com";
        var subscription = await SubscribeAsync(Receiver.Url("gone", "410"), $$"""{"failureEmail": "{{address}}"}""");

        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Fay" });

        var log = Assert.Single(await LogsAsync(subscription, 1));
        Assert.Equal(("FAILED", 410), (log.Outcome, log.StatusCode ?? 0));
        var item = await WaitForAsync(subscription, i => i.Status == "SUSPENDED");
        Assert.Contains("410", item.StatusReason);
        Assert.Equal(1, item.Health.PendingDeliveries);
        await Eventually.HoldsAsync(() => Service.Smtp.Mails.Any(m => m.Recipients.Contains(address)), TimeSpan.FromSeconds(30),
            "the suspension e-mail never arrived");
        Assert.Single(Service.Smtp.Mails, m => m.Recipients.Contains(address) && m.Data.Contains("was suspended"));
    }

    [Fact]
    public async Task A_subscription_created_while_others_fail_and_succeed_shows_only_its_own_health_in_get_and_list()
    {
        var failing = await SubscribeAsync(Receiver.Url("iso-down", "503"));
        var healthy = await SubscribeAsync(Receiver.Url("iso-up", "200"));
        await Api.OkAsync(HttpMethod.Post, $"/rest/v1/{Resource}", new JsonObject { ["name"] = "Iso" });
        await WaitForAsync(failing, i => i.Health.ConsecutiveFailures == 3);
        await WaitForAsync(healthy, i => i.Health.State == "HEALTHY");

        var fresh = await SubscribeAsync(Receiver.Url("iso-new", "200"));

        var expected = """{"state":"UNKNOWN","consecutiveFailures":0,"lastSuccessOn":null,"lastFailureOn":null,"lastError":null,"pendingDeliveries":0}""";
        // The exact rendering of the health (every field, nulls written) is the point: raw JSON.
        Assert.Equal(expected, (await ItemRawAsync(fresh)).GetProperty("health").GetRawText());
        // The list tells what GET tells (its copy is written just after each attempt).
        async Task<(long Id, string Health)[]> ListedAsync(string state)
        {
            var (status, page, _) = await Api.SendAsync(HttpMethod.Get,
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
        var (either, both, _) = await Api.SendAsync(HttpMethod.Get, $"/rest/v1/events-subscriptions?health.state:in=FAILING,UNKNOWN&id:in={failing},{healthy},{fresh}");
        Assert.Equal(HttpStatusCode.OK, either);
        Assert.Equal([failing, fresh], both.As<ListPage<SubscriptionView>>().Data.Select(i => i.Id).Order());
        var (refused, problem, _) = await Api.SendAsync(HttpMethod.Get, "/rest/v1/events-subscriptions?health.state=SICK");
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Contains("health.state", problem.GetRawText());
    }
}
