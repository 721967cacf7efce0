using System.Security.Cryptography;

namespace EventsSubscriptions.Grains.Tests.Delivery;

/// <summary>
/// Promises of the README that take a day or a month, crossed with a shifted service clock: the
/// end of the signing overlap after a rotation, suspension after a day of failures of events that
/// came through the stream, the second exhaustion e-mail a day later, the warning without SMTP, and
/// retention that never purges a pending delivery. A real silo (its own hosting code, Redis,
/// PostgreSQL), a real Kestrel receiver, an SMTP server inside the test.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ClockPromisesTests : IAsyncLifetime
{
    private readonly ClockedSilo silo = new("promise");

    public Task InitializeAsync() => silo.InitializeAsync();

    public Task DisposeAsync() => silo.DisposeAsync();

    [Fact]
    public async Task After_a_rotation_calls_are_signed_with_both_secrets_for_24_hours_then_with_the_new_one_only()
    {
        await silo.StartAsync();
        var subscription = await silo.CreateAsync(silo.Receiver.Url("rotated"), failureEmail: null);
        const string rotated = "rotated-secret-9876543210";
        var spec = (await subscription.GetAsync())!.Spec;
        Assert.Equal(SubscriptionOutcome.Ok, (await subscription.UpdateAsync(spec, new SecretText(rotated), null, null)).Outcome);

        // 23 hours later: still both, the new one first.
        silo.Clock.Advance(TimeSpan.FromHours(23));
        await subscription.EnqueueAsync(silo.Event(entity: 1, sequence: 1));
        var during = (await DeliveryWaits.CallsAsync(silo.Receiver, "rotated", 1))[0];
        Assert.Equal([Sign(during, rotated), Sign(during, ClockedSilo.Secret)], during.Headers["webhook-signature"].Split(' '));

        // Past 24 hours: the new one only, in both schemes.
        silo.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        await subscription.EnqueueAsync(silo.Event(entity: 1, sequence: 2));
        var after = (await DeliveryWaits.CallsAsync(silo.Receiver, "rotated", 2))[1];
        Assert.Equal(Sign(after, rotated), after.Headers["webhook-signature"]);
        // The secret header carries the secret in effect (a new subscription's mode).
        Assert.Equal(rotated, after.Headers["x-secret"]);
    }

    [Fact]
    public async Task Events_that_come_through_the_stream_and_fail_for_a_day_suspend_the_subscription()
    {
        await silo.StartAsync();
        var address = $"ops-{Guid.NewGuid():N}@example.com";
        var subscription = await silo.CreateAsync(silo.Receiver.Url("failing", "500"), address, "created", "updated");
        var id = subscription.GetPrimaryKeyLong();
        var entity = silo.Cluster.Client.GetGrain<IEntityGrain>($"{silo.Resource}/1");

        // An entity change: saved, appended to the stream, routed, queued, tried three times.
        Assert.Equal(EntityOutcome.Ok, (await entity.CreateAsync("""{"name": "one"}""")).Outcome);
        Assert.Equal(LogOutcome.Exhausted, (await DeliveryWaits.LogsAsync(silo.Cluster.Client, id, 3))[^1].Outcome);
        Assert.Equal(SubscriptionStatus.Active, (await subscription.GetAsync())!.Status);

        // A day and an hour later, the next change's first failure suspends it; the delivery stays queued.
        silo.Clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(EntityOutcome.Ok, (await entity.PatchAsync("""{"name": "two"}""")).Outcome);
        var view = await DeliveryWaits.WaitForAsync(subscription, v => v.Status == SubscriptionStatus.Suspended);
        Assert.StartsWith("every delivery failed since", view.StatusReason);
        Assert.Equal(1, view.Health.PendingDeliveries);
        Assert.Equal(4, (await DeliveryWaits.LogsAsync(silo.Cluster.Client, id, 4)).Count);
        // The suspension is mailed (after the exhaustion's mail, which may arrive last: mails go out apart).
        await DeliveryWaits.MailsAsync(silo.Smtp, address, 2);
        await Eventually.HoldsAsync(() => silo.Smtp.Mails.Any(m => m.Recipients.Contains(address) && m.Data.Contains("was suspended")),
            TimeSpan.FromSeconds(30), "the suspension was never mailed");
    }

    [Fact]
    public async Task A_second_exhaustion_mails_again_once_24_hours_have_passed()
    {
        await silo.StartAsync();
        var address = $"ops-{Guid.NewGuid():N}@example.com";
        // Three failures (exhausted), a success, then failures again.
        var subscription = await silo.CreateAsync(silo.Receiver.Url("flaky", "500 500 500 200 500"), address);
        var id = subscription.GetPrimaryKeyLong();

        await subscription.EnqueueAsync(silo.Event(entity: 1, sequence: 1));
        Assert.Contains("failed 3 times", Assert.Single(await DeliveryWaits.MailsAsync(silo.Smtp, address, 1, "was given up")).Data);

        // A success an hour later: the subscription is not failing for a day, so it is not suspended.
        silo.Clock.Advance(TimeSpan.FromHours(1));
        await subscription.EnqueueAsync(silo.Event(entity: 2, sequence: 1));
        Assert.Equal(LogOutcome.Succeeded, (await DeliveryWaits.LogsAsync(silo.Cluster.Client, id, 4))[^1].Outcome);

        // 24 hours and a minute after the first e-mail, the next exhausted delivery mails again.
        silo.Clock.Advance(TimeSpan.FromHours(23) + TimeSpan.FromMinutes(1));
        var third = silo.Event(entity: 3, sequence: 1);
        await subscription.EnqueueAsync(third);
        Assert.Equal(LogOutcome.Exhausted, (await DeliveryWaits.LogsAsync(silo.Cluster.Client, id, 7))[^1].Outcome);
        var second = (await DeliveryWaits.MailsAsync(silo.Smtp, address, 2, "was given up"))[1];
        Assert.Contains("failed 3 times", second.Data);
        Assert.Contains(third.EventId, second.Data);
        Assert.Equal(SubscriptionStatus.Active, (await subscription.GetAsync())!.Status);
    }

    [Fact]
    public async Task Without_smtp_the_service_delivers_and_logs_one_warning_however_many_emails_it_cannot_send()
    {
        await silo.StartAsync(withSmtp: false);
        var first = await silo.CreateAsync(silo.Receiver.Url("down", "500"), $"a-{Guid.NewGuid():N}@example.com");
        var second = await silo.CreateAsync(silo.Receiver.Url("down", "500"), $"b-{Guid.NewGuid():N}@example.com");

        await first.EnqueueAsync(silo.Event(entity: 1, sequence: 1));
        Assert.Equal(LogOutcome.Exhausted, (await DeliveryWaits.LogsAsync(silo.Cluster.Client, first.GetPrimaryKeyLong(), 3))[^1].Outcome);
        await Eventually.HoldsAsync(() => silo.Logs.Warnings("SMTP is not configured").Count == 1, TimeSpan.FromSeconds(30),
            "no warning that SMTP is not configured");
        Assert.Contains("Smtp__Host", silo.Logs.Warnings("SMTP is not configured")[0]);

        // The second subscription's e-mail is due too: it claims it (its state says so) and
        // would send it at once; the warning is not repeated.
        await second.EnqueueAsync(silo.Event(entity: 1, sequence: 1));
        Assert.Equal(LogOutcome.Exhausted, (await DeliveryWaits.LogsAsync(silo.Cluster.Client, second.GetPrimaryKeyLong(), 3))[^1].Outcome);
        await Eventually.HoldsAsync(async () => await MailClaimedAsync((await second.GetAsync())!.Spec.CustomId), TimeSpan.FromSeconds(30),
            "the second subscription never claimed its e-mail");
        Assert.Single(silo.Logs.Warnings("SMTP is not configured"));
    }

    [Fact]
    public async Task Retention_purges_finished_deliveries_a_month_old_but_never_a_pending_one()
    {
        await silo.StartAsync();
        var held = await silo.CreateAsync(silo.Receiver.Url("held"), failureEmail: null);
        var finished = await silo.CreateAsync(silo.Receiver.Url("finished"), failureEmail: null);
        Assert.Equal(SubscriptionOutcome.Ok, (await held.SuspendAsync("held for a month")).Outcome);
        await held.EnqueueAsync(silo.Event(entity: 1, sequence: 1));
        await finished.EnqueueAsync(silo.Event(entity: 1, sequence: 1));
        await DeliveryWaits.CallsAsync(silo.Receiver, "finished", 1);
        await Eventually.HoldsAsync(async () => await OutboxAsync(finished.GetPrimaryKeyLong()) == "SUCCEEDED", TimeSpan.FromSeconds(30),
            "the finished delivery was never recorded");
        Assert.Equal("PENDING", await OutboxAsync(held.GetPrimaryKeyLong()));

        // Past the retention (30 days) and the rest of the event's week, a silo purges at start: the
        // finished delivery goes (the purge ran), the pending one stays.
        silo.Clock.Advance(TimeSpan.FromDays(38));
        await silo.Cluster.StopAllAsync();
        await silo.StartAsync();
        await Eventually.HoldsAsync(async () => await OutboxAsync(finished.GetPrimaryKeyLong()) is null, TimeSpan.FromSeconds(30),
            "the finished delivery was never purged");
        Assert.Equal("PENDING", await OutboxAsync(held.GetPrimaryKeyLong()));

        // And it is still sent once the subscription is enabled.
        held = silo.Cluster.Client.GetGrain<ISubscriptionGrain>(held.GetPrimaryKeyLong());
        Assert.Equal(SubscriptionOutcome.Ok, (await held.EnableAsync()).Outcome);
        Assert.Equal(1, JsonNode.Parse((await DeliveryWaits.CallsAsync(silo.Receiver, "held", 1))[0].Body)!["data"]!["step"]!.GetValue<int>());
    }

    private static string Sign(ReceivedCall call, string secret)
    {
        var signed = Encoding.UTF8.GetBytes($"{call.Headers["webhook-id"]}.{call.Headers["webhook-timestamp"]}.").Concat(call.Body).ToArray();
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        return $"v1,{Convert.ToBase64String(hmac.ComputeHash(signed))}";
    }

    /// <summary>The state of the subscription's one delivery in the outbox, or null when there is none.</summary>
    private async Task<string?> OutboxAsync(long id)
    {
        await using var connection = new NpgsqlConnection(silo.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT state FROM delivery_outbox WHERE subscription_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await command.ExecuteScalarAsync() as string;
    }

    /// <summary>Whether the subscription's stored state records an exhaustion e-mail claimed (read with the silo's own state format).</summary>
    private async Task<bool> MailClaimedAsync(string customId)
    {
        var format = new EventsSubscriptions.Grains.Persistence.GrainStateSerializer(silo.Cluster.Silos[0].Services.GetRequiredService<Orleans.Serialization.Serializer>());
        await using var connection = new NpgsqlConnection(silo.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT payloadbinary FROM orleans_grain_state WHERE graintypestring = 'subscription' AND payloadbinary IS NOT NULL", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var state = format.Deserialize<EventsSubscriptions.Grains.Subscriptions.SubscriptionState>(new BinaryData((byte[])reader[0]));
            if (state?.Spec?.CustomId == customId)
            {
                return state.ExhaustedMailOn is not null;
            }
        }
        return false;
    }
}
