using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;
using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Ids;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using EventsSubscriptions.Grains.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventsSubscriptions.Grains.Tests.Delivery;

/// <summary>
/// Promises of the README that take a day or a month, crossed with a shifted service clock: the
/// end of the signing overlap after a rotation, suspension after a day of failures of events that
/// came through the stream, the second exhaustion e-mail a day later, the warning without SMTP, and
/// retention that never purges a pending delivery. A real silo (its own hosting code, Redis,
/// PostgreSQL), a real Kestrel receiver, an SMTP server inside the test.
/// </summary>
public sealed class ClockPromisesTests : IAsyncLifetime
{
    private const string Secret = "clock-secret-0123456789";
    private readonly ShiftedClock clock = new();
    private readonly SmtpCatcher smtp = new();
    private readonly CapturedLogs logs = new();
    private readonly string resource = $"promise{Guid.NewGuid():N}"[..20];
    private TestDatabase database = null!;
    private SiloCluster cluster = null!;
    private WebhookReceiver receiver = null!;
    private bool withSmtp = true;

    public async Task InitializeAsync()
    {
        receiver = await WebhookReceiver.StartAsync();
        database = await TestDatabase.CreateAsync();
        cluster = new SiloCluster(database);
    }

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        await database.DisposeAsync();
        await receiver.DisposeAsync();
        smtp.Dispose();
    }

    [Fact]
    public async Task After_a_rotation_calls_are_signed_with_both_secrets_for_24_hours_then_with_the_new_one_only()
    {
        await StartAsync();
        var subscription = await CreateAsync(receiver.Url("rotated"), failureEmail: null);
        const string rotated = "rotated-secret-9876543210";
        var spec = (await subscription.GetAsync())!.Spec;
        Assert.Equal(SubscriptionOutcome.Ok, (await subscription.UpdateAsync(spec, new SecretText(rotated), null)).Outcome);

        // 23 hours later: still both, the new one first.
        clock.Advance(TimeSpan.FromHours(23));
        await subscription.EnqueueAsync(Event(entity: 1, sequence: 1));
        var during = (await DeliveryWaits.CallsAsync(receiver, "rotated", 1))[0];
        Assert.Equal([Sign(during, rotated), Sign(during, Secret)], during.Headers["webhook-signature"].Split(' '));

        // Past 24 hours: the new one only, in both schemes.
        clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        await subscription.EnqueueAsync(Event(entity: 1, sequence: 2));
        var after = (await DeliveryWaits.CallsAsync(receiver, "rotated", 2))[1];
        Assert.Equal(Sign(after, rotated), after.Headers["webhook-signature"]);
        using var sha512 = new HMACSHA512(Encoding.UTF8.GetBytes(rotated));
        Assert.Equal(Convert.ToHexString(sha512.ComputeHash(after.Body)).ToLowerInvariant(), after.Headers["x-secret"]);
    }

    [Fact]
    public async Task Events_that_come_through_the_stream_and_fail_for_a_day_suspend_the_subscription()
    {
        await StartAsync();
        var address = $"ops-{Guid.NewGuid():N}@example.com";
        var subscription = await CreateAsync(receiver.Url("failing", "500"), address, "created", "updated");
        var id = subscription.GetPrimaryKeyLong();
        var entity = cluster.Client.GetGrain<IEntityGrain>($"{resource}/1");

        // An entity change: saved, appended to the stream, routed, queued, tried three times.
        Assert.Equal(EntityOutcome.Ok, (await entity.CreateAsync("""{"name": "one"}""")).Outcome);
        Assert.Equal("EXHAUSTED", (await DeliveryWaits.LogsAsync(cluster.Client, id, 3))[^1].Outcome);
        Assert.Equal(SubscriptionStatus.Active, (await subscription.GetAsync())!.Status);

        // A day and an hour later, the next change's first failure suspends it; the delivery stays queued.
        clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(EntityOutcome.Ok, (await entity.PatchAsync("""{"name": "two"}""")).Outcome);
        var view = await DeliveryWaits.WaitForAsync(subscription, v => v.Status == SubscriptionStatus.Suspended);
        Assert.StartsWith("every delivery failed since", view.StatusReason);
        Assert.Equal(1, view.Health.PendingDeliveries);
        Assert.Equal(4, (await DeliveryWaits.LogsAsync(cluster.Client, id, 4)).Count);
        Assert.Contains("was suspended", (await DeliveryWaits.MailsAsync(smtp, address, 2))[^1].Data);
    }

    [Fact]
    public async Task A_second_exhaustion_mails_again_once_24_hours_have_passed()
    {
        await StartAsync();
        var address = $"ops-{Guid.NewGuid():N}@example.com";
        // Three failures (exhausted), a success, then failures again.
        var subscription = await CreateAsync(receiver.Url("flaky", "500 500 500 200 500"), address);
        var id = subscription.GetPrimaryKeyLong();

        await subscription.EnqueueAsync(Event(entity: 1, sequence: 1));
        Assert.Contains("failed 3 times", Assert.Single(await DeliveryWaits.MailsAsync(smtp, address, 1)).Data);

        // A success an hour later: the subscription is not failing for a day, so it is not suspended.
        clock.Advance(TimeSpan.FromHours(1));
        await subscription.EnqueueAsync(Event(entity: 2, sequence: 1));
        Assert.Equal("SUCCEEDED", (await DeliveryWaits.LogsAsync(cluster.Client, id, 4))[^1].Outcome);

        // 24 hours and a minute after the first e-mail, the next exhausted delivery mails again.
        clock.Advance(TimeSpan.FromHours(23) + TimeSpan.FromMinutes(1));
        var third = Event(entity: 3, sequence: 1);
        await subscription.EnqueueAsync(third);
        Assert.Equal("EXHAUSTED", (await DeliveryWaits.LogsAsync(cluster.Client, id, 7))[^1].Outcome);
        var second = (await DeliveryWaits.MailsAsync(smtp, address, 2))[1];
        Assert.Contains("failed 3 times", second.Data);
        Assert.Contains(third.EventId, second.Data);
        Assert.Equal(SubscriptionStatus.Active, (await subscription.GetAsync())!.Status);
    }

    [Fact]
    public async Task Without_smtp_the_service_delivers_and_logs_one_warning_however_many_emails_it_cannot_send()
    {
        withSmtp = false;
        await StartAsync();
        var first = await CreateAsync(receiver.Url("down", "500"), $"a-{Guid.NewGuid():N}@example.com");
        var second = await CreateAsync(receiver.Url("down", "500"), $"b-{Guid.NewGuid():N}@example.com");

        await first.EnqueueAsync(Event(entity: 1, sequence: 1));
        Assert.Equal("EXHAUSTED", (await DeliveryWaits.LogsAsync(cluster.Client, first.GetPrimaryKeyLong(), 3))[^1].Outcome);
        await Eventually.HoldsAsync(() => logs.Warnings("SMTP is not configured").Count == 1, TimeSpan.FromSeconds(30),
            "no warning that SMTP is not configured");
        Assert.Contains("Smtp__Host", logs.Warnings("SMTP is not configured")[0]);

        // The second subscription's e-mail is due too: it claims it (its state says so) and
        // would send it at once; the warning is not repeated.
        await second.EnqueueAsync(Event(entity: 1, sequence: 1));
        Assert.Equal("EXHAUSTED", (await DeliveryWaits.LogsAsync(cluster.Client, second.GetPrimaryKeyLong(), 3))[^1].Outcome);
        await Eventually.HoldsAsync(async () => await MailClaimedAsync((await second.GetAsync())!.Spec.CustomId), TimeSpan.FromSeconds(30),
            "the second subscription never claimed its e-mail");
        Assert.Single(logs.Warnings("SMTP is not configured"));
    }

    [Fact]
    public async Task Retention_purges_finished_deliveries_a_month_old_but_never_a_pending_one()
    {
        await StartAsync();
        var held = await CreateAsync(receiver.Url("held"), failureEmail: null);
        var finished = await CreateAsync(receiver.Url("finished"), failureEmail: null);
        Assert.Equal(SubscriptionOutcome.Ok, (await held.SuspendAsync("held for a month")).Outcome);
        await held.EnqueueAsync(Event(entity: 1, sequence: 1));
        await finished.EnqueueAsync(Event(entity: 1, sequence: 1));
        await DeliveryWaits.CallsAsync(receiver, "finished", 1);
        await Eventually.HoldsAsync(async () => await OutboxAsync(finished.GetPrimaryKeyLong()) == "SUCCEEDED", TimeSpan.FromSeconds(30),
            "the finished delivery was never recorded");
        Assert.Equal("PENDING", await OutboxAsync(held.GetPrimaryKeyLong()));

        // 31 days later a silo purges at start: the finished delivery goes (the purge ran), the pending one stays.
        clock.Advance(TimeSpan.FromDays(31));
        await cluster.StopAllAsync();
        await StartAsync();
        await Eventually.HoldsAsync(async () => await OutboxAsync(finished.GetPrimaryKeyLong()) is null, TimeSpan.FromSeconds(30),
            "the finished delivery was never purged");
        Assert.Equal("PENDING", await OutboxAsync(held.GetPrimaryKeyLong()));

        // And it is still sent once the subscription is enabled.
        held = cluster.Client.GetGrain<ISubscriptionGrain>(held.GetPrimaryKeyLong());
        Assert.Equal(SubscriptionOutcome.Ok, (await held.EnableAsync()).Outcome);
        Assert.Equal(1, JsonNode.Parse((await DeliveryWaits.CallsAsync(receiver, "held", 1))[0].Body)!["data"]!["step"]!.GetValue<int>());
    }

    private async Task StartAsync()
    {
        await cluster.StartSiloAsync(
            configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Webhooks:AllowHttp"] = "true",
                ["Webhooks:AllowedNetworks:0"] = "127.0.0.0/8",
                ["Delivery:RetryDelaySeconds:0"] = "1",
                ["Delivery:RetryDelaySeconds:1"] = "1",
                ["Delivery:SuspendAfterHours"] = "24",
                ["Delivery:SecretOverlapHours"] = "24",
            }.Concat(withSmtp
                ? new Dictionary<string, string?>
                {
                    ["Smtp:Host"] = "127.0.0.1",
                    ["Smtp:Port"] = smtp.Port.ToString(),
                    ["Smtp:Security"] = "None",
                    ["Smtp:From"] = "hooks@events.test",
                }
                : [])),
            services =>
            {
                services.AddKeyedSingleton<TimeProvider>(ServiceClock.Key, clock);
                services.AddSingleton<ILoggerProvider>(logs);
            });
        await cluster.StartClientAsync();
        await cluster.WaitForActiveSilosAsync(1);
    }

    private async Task<ISubscriptionGrain> CreateAsync(string url, string? failureEmail, params string[] triggers)
    {
        var id = await cluster.Client.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync();
        var subscription = cluster.Client.GetGrain<ISubscriptionGrain>(id);
        var spec = TestSpecs.Subscription(resource, url, triggers.Length == 0 ? ["updated"] : triggers) with { FailureEmail = failureEmail };
        Assert.Equal(SubscriptionOutcome.Ok, (await subscription.CreateAsync(spec, new SecretText(Secret))).Outcome);
        return subscription;
    }

    private EntityEvent Event(long entity, int sequence) => new(
        Guid.CreateVersion7().ToString(), resource, "updated", entity, [],
        new JsonObject { ["id"] = entity, ["step"] = sequence }.ToJsonString(), clock.GetUtcNow(), null, sequence);

    private static string Sign(ReceivedCall call, string secret)
    {
        var signed = Encoding.UTF8.GetBytes($"{call.Headers["webhook-id"]}.{call.Headers["webhook-timestamp"]}.").Concat(call.Body).ToArray();
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        return $"v1,{Convert.ToBase64String(hmac.ComputeHash(signed))}";
    }

    /// <summary>The state of the subscription's one delivery in the outbox, or null when there is none.</summary>
    private async Task<string?> OutboxAsync(long id)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT state FROM delivery_outbox WHERE subscription_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await command.ExecuteScalarAsync() as string;
    }

    /// <summary>Whether the subscription's stored state records an exhaustion e-mail claimed (read with the silo's own state format).</summary>
    private async Task<bool> MailClaimedAsync(string customId)
    {
        var format = new EventsSubscriptions.Grains.Persistence.GrainStateSerializer(cluster.Silos[0].Services.GetRequiredService<Orleans.Serialization.Serializer>());
        await using var connection = new NpgsqlConnection(database.ConnectionString);
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

/// <summary>The silo's warnings and errors, kept for assertions.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> entries = new();

    public List<string> Warnings(string containing) =>
        [.. entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains(containing, StringComparison.Ordinal)).Select(e => e.Message)];

    public ILogger CreateLogger(string categoryName) => new Logger(entries);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<(LogLevel, string)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
