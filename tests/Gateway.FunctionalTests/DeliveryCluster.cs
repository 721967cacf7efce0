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
