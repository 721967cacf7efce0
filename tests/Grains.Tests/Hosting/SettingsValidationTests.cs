using EventsSubscriptions.Gateway.Auth;
using EventsSubscriptions.Gateway.Hosting;
using EventsSubscriptions.Grains.Interfaces.Hosting;
using EventsSubscriptions.Grains.Notifications;
using EventsSubscriptions.Grains.Subscriptions;
using EventsSubscriptions.Silo.Hosting;
using Microsoft.AspNetCore.Builder;

namespace EventsSubscriptions.Grains.Tests.Hosting;

/// <summary>
/// Every configuration section is bound to its settings type and checked when the host starts:
/// a bad value stops a silo or the gateway at once, with a message that names the setting (as a
/// key and as an environment variable), instead of failing at its first use.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SettingsValidationTests
{
    private const string SecretKey = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";
    private const string SigningKey = "a-signing-key-of-the-tests-0123456789abcdef";

    private static readonly Dictionary<string, string?> SiloRequired = new()
    {
        ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=9;Timeout=1",
        ["ConnectionStrings:Redis"] = "127.0.0.1:9",
        ["Secrets:EncryptionKey"] = SecretKey,
    };

    private static readonly Dictionary<string, string?> GatewayRequired = new()
    {
        ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=9;Timeout=1",
        ["ConnectionStrings:Redis"] = "127.0.0.1:9",
        ["Auth:SigningKey"] = SigningKey,
    };

    [Theory]
    [InlineData("ConnectionStrings:Postgres", "", "ConnectionStrings:Postgres", "ConnectionStrings__Postgres")]
    [InlineData("ConnectionStrings:Redis", " ", "ConnectionStrings:Redis", "ConnectionStrings__Redis")]
    [InlineData("Cluster:ClusterId", "two words", "Cluster:ClusterId", "Cluster__ClusterId")]
    [InlineData("Cluster:ProbeTimeoutSeconds", "0", "Cluster:ProbeTimeoutSeconds", "Cluster__ProbeTimeoutSeconds")]
    [InlineData("Cluster:ProbeTimeoutSeconds", "5", "Cluster:MaxProbeTimeoutSeconds", "at least ProbeTimeoutSeconds")]
    [InlineData("Silo:SiloPort", "70000", "Silo:SiloPort", "Silo__SiloPort")]
    [InlineData("Silo:MetricsHost", "", "Silo:MetricsHost", "Silo__MetricsHost")]
    [InlineData("Streams:Queues", "0", "Streams:Queues", "Streams__Queues")]
    [InlineData("Streams:FallbackPollMilliseconds", "10", "Streams:FallbackPollMilliseconds", "Streams__FallbackPollMilliseconds")]
    [InlineData("Streams:RoutingYieldBatch", "-1", "Streams:RoutingYieldBatch", "Streams__RoutingYieldBatch")]
    [InlineData("Streams:RoutingYieldMaxMilliseconds", "0", "Streams:RoutingYieldMaxMilliseconds", "Streams__RoutingYieldMaxMilliseconds")]
    [InlineData("Secrets:EncryptionKey", "", "Secrets:EncryptionKey", "Secrets__EncryptionKey")]
    [InlineData("Secrets:EncryptionKey", "c2hvcnQ=", "Secrets:EncryptionKey", "Secrets__EncryptionKey")]
    [InlineData("Secrets:EncryptionKey", SecretSettings.DevelopmentKey, "Secrets:EncryptionKey", "development key")]
    [InlineData("Webhooks:AllowedNetworks:1", "10.0.0.0/33", "Webhooks:AllowedNetworks:1", "Webhooks__AllowedNetworks__1")]
    [InlineData("Smtp:Security", "Bogus", "Smtp:Security", "Smtp__Security")]
    [InlineData("Smtp:Port", "0", "Smtp:Port", "Smtp__Port")]
    [InlineData("Smtp:From", "not an address", "Smtp:From", "Smtp__From")]
    [InlineData("Delivery:SuspendAfterHours", "0", "Delivery:SuspendAfterHours", "Delivery__SuspendAfterHours")]
    [InlineData("Delivery:RetryDelaySeconds:1", "-5", "Delivery:RetryDelaySeconds:1", "Delivery__RetryDelaySeconds__1")]
    [InlineData("Delivery:LogRetentionDays", "0", "Delivery:LogRetentionDays", "Delivery__LogRetentionDays")]
    [InlineData("Events:Partitions", "0", "Events:Partitions", "Events__Partitions")]
    [InlineData("Entities:Relations:supervisor", "Employees!", "Entities:Relations:supervisor", "Entities__Relations__supervisor")]
    [InlineData("Telemetry:OtlpEndpoint", "collector:4318", "Telemetry:OtlpEndpoint", "Telemetry__OtlpEndpoint")]
    [InlineData("Telemetry:SampleRatio", "1.5", "Telemetry:SampleRatio", "Telemetry__SampleRatio")]
    public async Task A_silo_with_an_invalid_setting_does_not_start_and_names_it(string key, string value, string named, string alsoNamed)
    {
        var failure = await SiloFailureAsync(new()
        {
            ["Webhooks:AllowedNetworks:0"] = "127.0.0.0/8",
            ["Delivery:RetryDelaySeconds:0"] = "5",
            [key] = value,
        });

        Assert.Contains(named, failure.Message);
        Assert.Contains(alsoNamed, failure.Message);
    }

    [Theory]
    [InlineData("Cluster:ServiceId", "", "Cluster:ServiceId", "Cluster__ServiceId")]
    [InlineData("Auth:SigningKey", "too-short", "Auth:SigningKey", "Auth__SigningKey")]
    [InlineData("Auth:SigningKey", AuthSettings.DevelopmentSigningKey, "Auth:SigningKey", "development key")]
    [InlineData("Gateway:Burst", "0", "Gateway:Burst", "Gateway__Burst")]
    [InlineData("Gateway:GrainCallTimeoutSeconds", "0", "Gateway:GrainCallTimeoutSeconds", "Gateway__GrainCallTimeoutSeconds")]
    [InlineData("Gateway:MaxRequestBodyBytes", "10", "Gateway:MaxRequestBodyBytes", "Gateway__MaxRequestBodyBytes")]
    [InlineData("Gateway:Callers:slow:RequestsPerSecond", "0", "Gateway:Callers:slow:RequestsPerSecond", "Gateway__Callers__slow__RequestsPerSecond")]
    [InlineData("Webhooks:AllowedNetworks:0", "intranet", "Webhooks:AllowedNetworks:0", "'intranet' is not a CIDR network")]
    [InlineData("Entities:Resources:Work_Orders:Actions:0", "close", "Entities:Resources:Work_Orders", "not a resource name")]
    [InlineData("Entities:Resources:tasks:Actions:1", "Close It", "Entities:Resources:tasks:Actions:1", "Entities__Resources__tasks__Actions__1")]
    [InlineData("Telemetry:OtlpEndpoint", "ftp://collector", "Telemetry:OtlpEndpoint", "Telemetry__OtlpEndpoint")]
    public async Task A_gateway_with_an_invalid_setting_does_not_start_and_names_it(string key, string value, string named, string alsoNamed)
    {
        var failure = await GatewayFailureAsync(new() { [key] = value, ["Entities:Resources:tasks:Actions:0"] = "open" });

        Assert.Contains(named, failure.Message);
        Assert.Contains(alsoNamed, failure.Message);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_stops_the_host_and_names_the_setting()
    {
        var failure = await SiloFailureAsync(new() { ["Smtp:Port"] = "five-eight-seven" });

        Assert.IsType<InvalidOperationException>(failure);
        Assert.Contains("Smtp:Port", failure.Message);
    }

    [Fact]
    public async Task The_development_keys_are_accepted_in_Development()
    {
        var silo = Builder("Development", SiloRequired, new() { ["Secrets:EncryptionKey"] = SecretSettings.DevelopmentKey });
        silo.AddSiloSettings();
        await StartAndStopAsync(silo);

        var gateway = Builder("Development", GatewayRequired, new() { ["Auth:SigningKey"] = AuthSettings.DevelopmentSigningKey });
        gateway.AddGatewaySettings();
        await StartAndStopAsync(gateway);
    }

    [Fact]
    public async Task Without_settings_of_its_own_a_silo_starts_with_the_documented_defaults()
    {
        var builder = Builder("Production", SiloRequired, []);
        var (connections, cluster, silo, streams, telemetry) = builder.AddSiloSettings();
        using var host = builder.Build();
        await host.StartAsync();

        Assert.Equal(("events-subscriptions", "events-subscriptions", 1, 1, 2, 10, 30),
            (cluster.ClusterId, cluster.ServiceId, cluster.ProbeTimeoutSeconds, cluster.MaxProbeTimeoutSeconds, cluster.MissedProbesLimit,
             cluster.ResponseTimeoutSeconds, cluster.ShutdownTimeoutSeconds));
        Assert.Equal((11111, 30000, 9464, "localhost", (string?)null), (silo.SiloPort, silo.GatewayPort, silo.MetricsPort, silo.MetricsHost, silo.AdvertisedAddress));
        Assert.Equal((8, 20, 60, 604800, 1209600, 256, 10, 1000),
            (streams.Queues, streams.MaxAttempts, streams.VisibilityTimeoutSeconds, streams.ExpirySeconds, streams.DeadLetterRetentionSeconds,
             streams.PullBatchSize, streams.PullIntervalMilliseconds, streams.FallbackPollMilliseconds));
        Assert.Equal("127.0.0.1:9", connections.Redis);
        // No tracing unless a collector is named.
        Assert.Equal((false, OtlpTransport.HttpProtobuf, 1.0), (telemetry.Enabled, telemetry.OtlpProtocol, telemetry.SampleRatio));
        var smtp = Value<SmtpSettings>(host);
        Assert.Equal(((string?)null, 587, "StartTls", "events-subscriptions@localhost"), (smtp.Host, smtp.Port, smtp.Security, smtp.From));
        var delivery = Value<DeliverySettings>(host);
        Assert.Equal((24.0, 24.0, 30), (delivery.SuspendAfterHours, delivery.SecretOverlapHours, delivery.LogRetentionDays));
        Assert.Same(RetrySchedule.Default, delivery.Schedule);
        Assert.Equal(8, Value<EventSettings>(host).Partitions);
        Assert.Equal((false, 0), (Value<WebhookSettings>(host).AllowHttp, Value<WebhookSettings>(host).AllowedNetworks.Length));
        Assert.Empty(Value<EntitySettings>(host).Relations);
        await host.StopAsync();
    }

    [Fact]
    public async Task Sections_are_bound_to_what_the_services_read()
    {
        var builder = Builder("Production", GatewayRequired, new()
        {
            ["Gateway:Callers:partner:Burst"] = "7",
            ["Entities:Relations:supervisor"] = "employees",
            ["Entities:Resources:tasks:Actions:0"] = "close",
            ["Webhooks:AllowHttp"] = "true",
            ["Webhooks:AllowedNetworks:0"] = "10.20.0.0/16",
        });
        var (_, _, _, gateway, _) = builder.AddGatewaySettings();
        using var host = builder.Build();
        await host.StartAsync();

        Assert.Equal((5000.0, 7, 100_000), gateway.For("partner"));
        var entities = Value<EntitySettings>(host);
        Assert.True(entities.RelationMap().TryGetResource("supervisor", out var resource) && resource == "employees");
        Assert.Contains("close", entities.ResourceCatalog().All.Single(r => r.Name == "tasks").Triggers);
        var policy = new WebhookTargetPolicy(Value<WebhookSettings>(host));
        Assert.True(policy.AllowHttp);
        Assert.True(policy.IsAllowed(System.Net.IPAddress.Parse("10.20.3.4"), out _));
        await host.StopAsync();
    }

    [Fact]
    public async Task The_whole_silo_and_the_whole_gateway_refuse_a_bad_setting_when_they_start()
    {
        // The services' own wiring (not only their settings): nothing is reached before the check.
        var silo = Builder("Production", SiloRequired, new() { ["Smtp:Security"] = "Bogus", ["Silo:MetricsPort"] = "0" });
        silo.Logging.ClearProviders();
        silo.AddEventsSubscriptionsSilo();
        using (var host = silo.Build())
        {
            Assert.Contains("Smtp:Security", Unwrap(await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync())).Message);
        }

        var gateway = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Production",
            ContentRootPath = Directory.CreateTempSubdirectory("es-gateway-settings").FullName,
        });
        gateway.Configuration.AddInMemoryCollection(GatewayRequired).AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Webhooks:AllowedNetworks:0"] = "intranet",
        });
        gateway.Logging.ClearProviders();
        gateway.AddGatewayServices();
        await using var app = gateway.Build();
        Assert.Contains("Webhooks:AllowedNetworks:0", Unwrap(await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync())).Message);
    }

    private static async Task<Exception> SiloFailureAsync(Dictionary<string, string?> settings) =>
        await FailureAsync(Builder("Production", SiloRequired, settings), b => b.AddSiloSettings());

    private static async Task<Exception> GatewayFailureAsync(Dictionary<string, string?> settings) =>
        await FailureAsync(Builder("Production", GatewayRequired, settings), b => b.AddGatewaySettings());

    /// <summary>Registers the settings and starts the host: a section needed before the build fails at once, the others at the start.</summary>
    private static async Task<Exception> FailureAsync(HostApplicationBuilder builder, Action<HostApplicationBuilder> register)
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            register(builder);
            using var host = builder.Build();
            await host.StartAsync();
        });
        return Unwrap(failure);
    }

    /// <summary>The one failure of a host (several failing sections come as an AggregateException).</summary>
    private static Exception Unwrap(Exception failure) =>
        failure is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : failure;

    private static HostApplicationBuilder Builder(string environment, Dictionary<string, string?> required, Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection(required).AddInMemoryCollection(settings);
        return builder;
    }

    private static async Task StartAndStopAsync(HostApplicationBuilder builder)
    {
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
    }

    private static T Value<T>(IHost host) where T : class => host.Services.GetRequiredService<IOptions<T>>().Value;
}
