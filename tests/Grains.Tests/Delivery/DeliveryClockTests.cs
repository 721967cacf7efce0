namespace EventsSubscriptions.Grains.Tests.Delivery;

/// <summary>
/// Exhaustion, the one-e-mail-per-24-hours rule and the 24-hour suspension window, crossed with a
/// shifted clock instead of waiting: a real silo (its own hosting code, Redis, PostgreSQL), a real
/// Kestrel receiver and an SMTP server inside the test.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DeliveryClockTests : IAsyncLifetime
{
    /// <summary>What the e-mail of an exhausted delivery says (the other e-mails tell of failing calls, suspension, recovery).</summary>
    private const string GivenUp = "was given up";

    private readonly ClockedSilo silo = new("clock");

    public async Task InitializeAsync()
    {
        await silo.InitializeAsync();
        await silo.StartAsync();
    }

    public Task DisposeAsync() => silo.DisposeAsync();

    [Fact]
    public async Task Exhaustion_mails_once_a_day_a_day_of_failures_suspends_with_a_mail_enable_resumes_in_order_and_a_month_later_it_is_purged()
    {
        var address = $"ops-{Guid.NewGuid():N}@example.com";
        var url = silo.Receiver.Url("down", "500");
        var subscription = await silo.CreateAsync(url, address);
        var id = subscription.GetPrimaryKeyLong();

        // Three attempts (two retries of about a second), then EXHAUSTED and one e-mail.
        await subscription.EnqueueAsync(silo.Event(entity: 1, sequence: 1));
        var first = await DeliveryWaits.LogsAsync(silo.Cluster.Client, id, 3);
        Assert.Equal([LogOutcome.RetryScheduled, LogOutcome.RetryScheduled, LogOutcome.Exhausted], first.Select(l => l.Outcome));
        var exhausted = Assert.Single(await DeliveryWaits.MailsAsync(silo.Smtp, address, 1, GivenUp));
        Assert.Contains("failed 3 times", exhausted.Data);
        var view = (await subscription.GetAsync())!;
        Assert.Equal((SubscriptionStatus.Active, HealthState.Failing, 3), (view.Status, view.Health.State, view.Health.ConsecutiveFailures));

        // 23 hours later a second delivery is exhausted: no second e-mail within 24 hours, and
        // not yet a day of failures, so the subscription stays active.
        silo.Clock.Advance(TimeSpan.FromHours(23));
        await subscription.EnqueueAsync(silo.Event(entity: 2, sequence: 1));
        Assert.Equal(2, (await DeliveryWaits.LogsAsync(silo.Cluster.Client, id, 6)).Count(l => l.Outcome == LogOutcome.Exhausted));
        // A control that never mailed, failing the same way from now on: its e-mail arrives seconds
        // after the subject's second exhaustion, so one the subject sent then would be here too.
        var controlAddress = $"control-{Guid.NewGuid():N}@example.com";
        var control = await silo.CreateAsync(silo.Receiver.Url("control-down", "500"), controlAddress);
        await control.EnqueueAsync(silo.Event(entity: 2, sequence: 1));
        Assert.Contains("failed 3 times", Assert.Single(await DeliveryWaits.MailsAsync(silo.Smtp, controlAddress, 1, GivenUp)).Data);
        Assert.Single(silo.Smtp.Mails, m => m.Recipients.Contains(address) && m.Data.Contains(GivenUp));
        view = (await subscription.GetAsync())!;
        Assert.Equal((SubscriptionStatus.Active, 6), (view.Status, view.Health.ConsecutiveFailures));

        // The health counters survive a restart of the cluster (saved on deactivation).
        await silo.RestartAsync();
        subscription = silo.Cluster.Client.GetGrain<ISubscriptionGrain>(id);
        view = (await subscription.GetAsync())!;
        Assert.Equal((HealthState.Failing, 6), (view.Health.State, view.Health.ConsecutiveFailures));

        // Past 24 hours without a single success, the next failure suspends, with its e-mail.
        silo.Clock.Advance(TimeSpan.FromHours(2));
        await subscription.EnqueueAsync(silo.Event(entity: 3, sequence: 1));
        view = await DeliveryWaits.WaitForAsync(subscription, v => v.Status == SubscriptionStatus.Suspended);
        Assert.StartsWith("every delivery failed since", view.StatusReason);
        var suspended = Assert.Single(await DeliveryWaits.MailsAsync(silo.Smtp, address, 1, "was suspended"));
        Assert.Contains("was suspended", suspended.Data);
        Assert.Contains("actions/enable", suspended.Data);

        // While suspended, deliveries are queued and nothing is sent.
        var callsBefore = silo.Receiver.Calls("down").Count;
        for (var sequence = 2; sequence <= 4; sequence++)
        {
            await subscription.EnqueueAsync(silo.Event(entity: 3, sequence));
        }
        await subscription.EnqueueAsync(silo.Event(entity: 4, sequence: 1));
        // An active control queued the same deliveries after them and sent them all: the suspended
        // one had the time to send its own, and did not.
        var sender = await silo.CreateAsync(silo.Receiver.Url("control-up", "200"), controlAddress);
        for (var sequence = 2; sequence <= 4; sequence++)
        {
            await sender.EnqueueAsync(silo.Event(entity: 3, sequence));
        }
        await sender.EnqueueAsync(silo.Event(entity: 4, sequence: 1));
        await Eventually.HoldsAsync(() => silo.Receiver.Calls("control-up").Count == 4, TimeSpan.FromSeconds(30), "the control never sent its four deliveries");
        Assert.Equal(callsBefore, silo.Receiver.Calls("down").Count);
        Assert.Equal(5, (await subscription.GetAsync())!.Health.PendingDeliveries);

        // The receiver is back; enable resets the counters and sends the queue, each entity in order.
        silo.Receiver.Url("down", "200");
        Assert.Equal(SubscriptionOutcome.Ok, (await subscription.EnableAsync()).Outcome);
        Assert.Equal(0, (await subscription.GetAsync())!.Health.ConsecutiveFailures);
        await Eventually.HoldsAsync(() => silo.Receiver.Calls("down").Count(c => c.Status == 200) == 5, TimeSpan.FromSeconds(30),
            "the five queued deliveries never all arrived");
        var delivered = silo.Receiver.Calls("down").Where(c => c.Status == 200)
            .Select(c => JsonNode.Parse(c.Body)!["data"]!)
            .Select(d => (Entity: d["id"]!.GetValue<long>(), Step: d["step"]!.GetValue<int>())).ToList();
        Assert.Equal([1, 2, 3, 4], delivered.Where(d => d.Entity == 3).Select(d => d.Step));
        Assert.Contains((4L, 1), delivered);
        view = await DeliveryWaits.WaitForAsync(subscription, v => v.Health.PendingDeliveries == 0);
        Assert.Equal((SubscriptionStatus.Active, HealthState.Healthy, 0), (view.Status, view.Health.State, view.Health.ConsecutiveFailures));
        // One e-mail of each: the exhaustion, the suspension, and once calls succeed again, the recovery;
        // failing calls were told within seconds, then at most hourly (three times over these 25 hours).
        Assert.Single(silo.Smtp.Mails, m => m.Recipients.Contains(address) && m.Data.Contains(GivenUp));
        Assert.Single(silo.Smtp.Mails, m => m.Recipients.Contains(address) && m.Data.Contains("was suspended"));
        Assert.Single(await DeliveryWaits.MailsAsync(silo.Smtp, address, 1, "succeeded on"));
        Assert.Equal(3, silo.Smtp.Mails.Count(m => m.Recipients.Contains(address) && m.Data.Contains("times in a row")));
        // The tenant's operator heard the same story by operational webhooks, each signed, and of
        // every delivery given up (not one a day).
        var told = await OperatorEventsAsync(id, "subscription.recovered");
        Assert.Equal(3, told.Count(t => t == "subscription.failing"));
        Assert.Equal(2, told.Count(t => t == "delivery.exhausted"));
        Assert.Equal(1, told.Count(t => t == "subscription.suspended"));

        // 39 days later, a silo purges at start what the 30-day retention no longer keeps: the log
        // (whole days: a day goes once its end is 30 days past, so a day more than the retention at
        // most), and the deliveries that are finished (none is pending any more; whole weeks of
        // events: a week more at most).
        silo.Clock.Advance(TimeSpan.FromDays(39));
        await silo.RestartAsync();
        await Eventually.HoldsAsync(async () =>
            (await silo.Cluster.Client.GetGrain<ISubscriptionQueryGrain>(0).LogsAsync(id, new DeliveryLogQuery(100, 0, null, null, null, null))).Count == 0
            && await OutboxRowsAsync(id) == 0,
            TimeSpan.FromSeconds(30), "the old log rows and finished deliveries were never purged");
    }

    private Task<long> OutboxRowsAsync(long id) =>
        silo.Database.ScalarAsync<long>($"SELECT count(*) FROM delivery_outbox WHERE subscription_id = {id}");

    /// <summary>The types of the operational webhooks told of a subscription, once one of <paramref name="until"/> came; each signature checked.</summary>
    private async Task<List<string>> OperatorEventsAsync(long subscription, string until)
    {
        List<string> types = [];
        await Eventually.HoldsAsync(() =>
        {
            types = [];
            foreach (var call in silo.Receiver.Calls("operator"))
            {
                var body = System.Text.Json.Nodes.JsonNode.Parse(call.Body)!;
                if (body["data"]!["subscriptionId"]!.GetValue<long>() != subscription)
                {
                    continue;
                }
                var signed = System.Text.Encoding.UTF8.GetBytes($"{call.Headers["webhook-id"]}.{call.Headers["webhook-timestamp"]}.").Concat(call.Body).ToArray();
                var expected = "v1," + Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(
                    System.Text.Encoding.UTF8.GetBytes(ClockedSilo.OperatorSecret), signed));
                Assert.Equal(expected, call.Headers["webhook-signature"]);
                Assert.Equal("default", body["tenant"]!.GetValue<string>());
                types.Add(body["type"]!.GetValue<string>());
            }
            return types.Contains(until);
        }, TimeSpan.FromSeconds(30), $"the operator never heard {until}");
        return types;
    }
}
