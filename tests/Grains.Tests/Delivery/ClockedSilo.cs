namespace EventsSubscriptions.Grains.Tests.Delivery;

/// <summary>The service's clock, moved forward by the test; Orleans and the receiver keep real time.</summary>
public sealed class ShiftedClock : TimeProvider
{
    private long offsetTicks;

    public void Advance(TimeSpan by) => Interlocked.Add(ref offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));
}

/// <summary>
/// What the tests of promises that take hours or days share: a real silo (its own hosting code,
/// Redis, PostgreSQL) whose service clock the test moves forward, a Kestrel receiver, an SMTP
/// server, the silo's warnings, retries of about a second and a 24-hour suspension window.
/// </summary>
public sealed class ClockedSilo(string resourcePrefix)
{
    public const string Secret = "clock-secret-0123456789";

    public ShiftedClock Clock { get; } = new();

    public SmtpCatcher Smtp { get; } = new();

    public CapturedLogs Logs { get; } = new();

    /// <summary>The resource of this test's subscriptions and events.</summary>
    public string Resource { get; } = $"{resourcePrefix}{Guid.NewGuid():N}"[..20];

    public TestDatabase Database { get; private set; } = null!;

    public SiloCluster Cluster { get; private set; } = null!;

    public WebhookReceiver Receiver { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync();
        Database = await TestDatabase.CreateAsync();
        Cluster = new SiloCluster(Database);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
        await Receiver.DisposeAsync();
        Smtp.Dispose();
    }

    public const string OperatorSecret = "operator-secret-0123456789";

    /// <summary>Where the operational webhooks of the default tenant go (path <c>operator</c> of the receiver).</summary>
    public string OperatorUrl => operatorUrl ??= Receiver.Url("operator");

    private string? operatorUrl;

    /// <summary>Starts the silo and a client; without <paramref name="withSmtp"/> the silo has no SMTP server configured.</summary>
    public async Task StartAsync(bool withSmtp = true)
    {
        await Cluster.StartSiloAsync(
            configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Webhooks:AllowHttp"] = "true",
                ["Webhooks:AllowedNetworks:0"] = "127.0.0.0/8",
                ["Delivery:RetryDelaySeconds:0"] = "1",
                ["Delivery:RetryDelaySeconds:1"] = "1",
                ["Delivery:SuspendAfterHours"] = "24",
                ["Delivery:SecretOverlapHours"] = "24",
                // The default tenant's operator hears of its subscriptions' failures here.
                ["OperatorWebhooks:Tenants:default:Url"] = OperatorUrl,
                ["OperatorWebhooks:Tenants:default:Secret"] = OperatorSecret,
            }.Concat(withSmtp
                ? new Dictionary<string, string?>
                {
                    ["Smtp:Host"] = "127.0.0.1",
                    ["Smtp:Port"] = Smtp.Port.ToString(),
                    ["Smtp:Security"] = "None",
                    ["Smtp:From"] = "hooks@events.test",
                }
                : [])),
            services =>
            {
                services.AddKeyedSingleton<TimeProvider>(ServiceClock.Key, Clock);
                services.AddSingleton<ILoggerProvider>(Logs);
            });
        await Cluster.StartClientAsync();
        await Cluster.WaitForActiveSilosAsync(1);
    }

    /// <summary>Stops the whole cluster and starts it again (the clock keeps its shift).</summary>
    public async Task RestartAsync()
    {
        await Cluster.StopAllAsync();
        await StartAsync();
    }

    /// <summary>A new subscription of <see cref="Resource"/> to <paramref name="url"/> (trigger "updated" unless named), signed with <see cref="Secret"/>.</summary>
    public async Task<ISubscriptionGrain> CreateAsync(string url, string? failureEmail, params string[] triggers)
    {
        var id = await Cluster.Client.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync();
        var subscription = Cluster.Client.GetGrain<ISubscriptionGrain>(id);
        var spec = TestSpecs.Subscription(Resource, url, triggers.Length == 0 ? ["updated"] : triggers) with { FailureEmail = failureEmail };
        Assert.Equal(SubscriptionOutcome.Ok, (await subscription.CreateAsync(spec, new SecretText(Secret), null)).Outcome);
        return subscription;
    }

    /// <summary>An "updated" event of an entity of <see cref="Resource"/>, its body carrying the step.</summary>
    public EntityEvent Event(long entity, int sequence) => new(
        Guid.CreateVersion7().ToString(), Resource, "updated", entity, [],
        new JsonObject { ["id"] = entity, ["step"] = sequence }.ToJsonString(), Clock.GetUtcNow(), null, sequence);
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
