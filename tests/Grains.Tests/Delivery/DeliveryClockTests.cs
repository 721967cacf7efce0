using System.Text.Json.Nodes;
using EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;
using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Ids;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using EventsSubscriptions.Grains.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EventsSubscriptions.Grains.Tests.Delivery;

/// <summary>The service's clock, moved forward by the test; Orleans and the receiver keep real time.</summary>
public sealed class ShiftedClock : TimeProvider
{
    private long offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));
}

/// <summary>
/// Exhaustion, the one-e-mail-per-24-hours rule and the 24-hour suspension window, crossed with a
/// shifted clock instead of waiting: a real silo (its own hosting code, Redis, PostgreSQL), a real
/// Kestrel receiver and an SMTP server inside the test.
/// </summary>
public sealed class DeliveryClockTests : IAsyncLifetime
{
    private readonly ShiftedClock clock = new();
    private readonly SmtpCatcher smtp = new();
    private readonly string resource = $"clock{Guid.NewGuid():N}"[..20];
    private TestDatabase database = null!;
    private SiloCluster cluster = null!;
    private WebhookReceiver receiver = null!;

    public async Task InitializeAsync()
    {
        receiver = await WebhookReceiver.StartAsync();
        database = await TestDatabase.CreateAsync();
        cluster = new SiloCluster(database);
        await StartSiloAsync();
        await cluster.StartClientAsync();
        await cluster.WaitForActiveSilosAsync(1);
    }

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        await database.DisposeAsync();
        await receiver.DisposeAsync();
        smtp.Dispose();
    }

    [Fact]
    public async Task Exhaustion_mails_once_a_day_a_day_of_failures_suspends_with_a_mail_enable_resumes_in_order_and_a_month_later_it_is_purged()
    {
        var address = $"ops-{Guid.NewGuid():N}@example.com";
        var url = receiver.Url("down", "500");
        var subscription = await CreateAsync(url, address);
        var id = subscription.GetPrimaryKeyLong();

        // Three attempts (two retries of about a second), then EXHAUSTED and one e-mail.
        await subscription.EnqueueAsync(Event(entity: 1, sequence: 1));
        var first = await DeliveryWaits.LogsAsync(cluster.Client, id, 3);
        Assert.Equal(["RETRY_SCHEDULED", "RETRY_SCHEDULED", "EXHAUSTED"], first.Select(l => l.Outcome));
        var exhausted = Assert.Single(await DeliveryWaits.MailsAsync(smtp, address, 1));
        Assert.Contains("failed 3 times", exhausted.Data);
        var view = (await subscription.GetAsync())!;
        Assert.Equal((SubscriptionStatus.Active, HealthState.Failing, 3), (view.Status, view.Health.State, view.Health.ConsecutiveFailures));

        // 23 hours later a second delivery is exhausted: no second e-mail within 24 hours, and
        // not yet a day of failures, so the subscription stays active.
        clock.Advance(TimeSpan.FromHours(23));
        await subscription.EnqueueAsync(Event(entity: 2, sequence: 1));
        Assert.Equal(2, (await DeliveryWaits.LogsAsync(cluster.Client, id, 6)).Count(l => l.Outcome == "EXHAUSTED"));
        // A control that never mailed, failing the same way from now on: its e-mail arrives seconds
        // after the subject's second exhaustion, so one the subject sent then would be here too.
        var controlAddress = $"control-{Guid.NewGuid():N}@example.com";
        var control = await CreateAsync(receiver.Url("control-down", "500"), controlAddress);
        await control.EnqueueAsync(Event(entity: 2, sequence: 1));
        Assert.Contains("failed 3 times", Assert.Single(await DeliveryWaits.MailsAsync(smtp, controlAddress, 1)).Data);
        Assert.Single(smtp.Mails, m => m.Recipients.Contains(address));
        view = (await subscription.GetAsync())!;
        Assert.Equal((SubscriptionStatus.Active, 6), (view.Status, view.Health.ConsecutiveFailures));

        // The health counters survive a restart of the cluster (saved on deactivation).
        await cluster.StopAllAsync();
        await StartSiloAsync();
        await cluster.StartClientAsync();
        await cluster.WaitForActiveSilosAsync(1);
        subscription = cluster.Client.GetGrain<ISubscriptionGrain>(id);
        view = (await subscription.GetAsync())!;
        Assert.Equal((HealthState.Failing, 6), (view.Health.State, view.Health.ConsecutiveFailures));

        // Past 24 hours without a single success, the next failure suspends, with its e-mail.
        clock.Advance(TimeSpan.FromHours(2));
        await subscription.EnqueueAsync(Event(entity: 3, sequence: 1));
        view = await DeliveryWaits.WaitForAsync(subscription, v => v.Status == SubscriptionStatus.Suspended);
        Assert.StartsWith("every delivery failed since", view.StatusReason);
        var suspended = (await DeliveryWaits.MailsAsync(smtp, address, 2)).Last();
        Assert.Contains("was suspended", suspended.Data);
        Assert.Contains("actions/enable", suspended.Data);

        // While suspended, deliveries are queued and nothing is sent.
        var callsBefore = receiver.Calls("down").Count;
        for (var sequence = 2; sequence <= 4; sequence++)
        {
            await subscription.EnqueueAsync(Event(entity: 3, sequence));
        }
        await subscription.EnqueueAsync(Event(entity: 4, sequence: 1));
        // An active control queued the same deliveries after them and sent them all: the suspended
        // one had the time to send its own, and did not.
        var sender = await CreateAsync(receiver.Url("control-up", "200"), controlAddress);
        for (var sequence = 2; sequence <= 4; sequence++)
        {
            await sender.EnqueueAsync(Event(entity: 3, sequence));
        }
        await sender.EnqueueAsync(Event(entity: 4, sequence: 1));
        await Eventually.HoldsAsync(() => receiver.Calls("control-up").Count == 4, TimeSpan.FromSeconds(30), "the control never sent its four deliveries");
        Assert.Equal(callsBefore, receiver.Calls("down").Count);
        Assert.Equal(5, (await subscription.GetAsync())!.Health.PendingDeliveries);

        // The receiver is back; enable resets the counters and sends the queue, each entity in order.
        receiver.Url("down", "200");
        Assert.Equal(SubscriptionOutcome.Ok, (await subscription.EnableAsync()).Outcome);
        Assert.Equal(0, (await subscription.GetAsync())!.Health.ConsecutiveFailures);
        await Eventually.HoldsAsync(() => receiver.Calls("down").Count(c => c.Status == 200) == 5, TimeSpan.FromSeconds(30),
            "the five queued deliveries never all arrived");
        var delivered = receiver.Calls("down").Where(c => c.Status == 200)
            .Select(c => JsonNode.Parse(c.Body)!["data"]!)
            .Select(d => (Entity: d["id"]!.GetValue<long>(), Step: d["step"]!.GetValue<int>())).ToList();
        Assert.Equal([1, 2, 3, 4], delivered.Where(d => d.Entity == 3).Select(d => d.Step));
        Assert.Contains((4L, 1), delivered);
        view = await DeliveryWaits.WaitForAsync(subscription, v => v.Health.PendingDeliveries == 0);
        Assert.Equal((SubscriptionStatus.Active, HealthState.Healthy, 0), (view.Status, view.Health.State, view.Health.ConsecutiveFailures));
        Assert.Equal(2, smtp.Mails.Count(m => m.Recipients.Contains(address)));

        // 31 days later, a silo purges at start what the 30-day retention no longer keeps: the log,
        // and the deliveries that are finished (none is pending any more).
        clock.Advance(TimeSpan.FromDays(31));
        await cluster.StopAllAsync();
        await StartSiloAsync();
        await cluster.StartClientAsync();
        await cluster.WaitForActiveSilosAsync(1);
        await Eventually.HoldsAsync(async () =>
            (await cluster.Client.GetGrain<ISubscriptionQueryGrain>(0).LogsAsync(id, new DeliveryLogQuery(100, 0, null, null, null, null))).Count == 0
            && await OutboxRowsAsync(id) == 0,
            TimeSpan.FromSeconds(30), "the old log rows and finished deliveries were never purged");
    }

    private async Task<ISubscriptionGrain> CreateAsync(string url, string failureEmail)
    {
        var id = await cluster.Client.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync();
        var subscription = cluster.Client.GetGrain<ISubscriptionGrain>(id);
        Assert.Equal(SubscriptionOutcome.Ok, (await subscription.CreateAsync(Spec(url, failureEmail), new SecretText("clock-secret-0123456789"))).Outcome);
        return subscription;
    }

    private async Task<long> OutboxRowsAsync(long id)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM delivery_outbox WHERE subscription_id = $1", connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = id });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private Task StartSiloAsync() =>
        cluster.StartSiloAsync(
            configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Webhooks:AllowHttp"] = "true",
                ["Webhooks:AllowedNetworks:0"] = "127.0.0.0/8",
                ["Delivery:RetryDelaySeconds:0"] = "1",
                ["Delivery:RetryDelaySeconds:1"] = "1",
                ["Delivery:SuspendAfterHours"] = "24",
                ["Smtp:Host"] = "127.0.0.1",
                ["Smtp:Port"] = smtp.Port.ToString(),
                ["Smtp:Security"] = "None",
                ["Smtp:From"] = "hooks@events.test",
            }),
            services => services.AddKeyedSingleton<TimeProvider>(ServiceClock.Key, clock));

    private SubscriptionSpec Spec(string url, string failureEmail) =>
        TestSpecs.Subscription(resource, url, "updated") with { FailureEmail = failureEmail };

    private EntityEvent Event(long entity, int sequence) => new(
        Guid.CreateVersion7().ToString(), resource, "updated", entity, [],
        new JsonObject { ["id"] = entity, ["step"] = sequence }.ToJsonString(), clock.GetUtcNow(), null, sequence);
}
