using System.Net;
using EventsSubscriptions.Grains.Delivery;
using EventsSubscriptions.Grains.Entities;
using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Requests;
using EventsSubscriptions.Grains.Interfaces.Webhooks;
using EventsSubscriptions.Grains.Notifications;
using EventsSubscriptions.Grains.Persistence;
using EventsSubscriptions.Grains.Subscriptions;
using EventsSubscriptions.Silo.Schema;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Hosting;
using Orleans.Storage;
using StackExchange.Redis;

namespace EventsSubscriptions.Silo.Hosting;

public static class SiloHostingExtensions
{
    /// <summary>The ADO.NET provider name under which Orleans' PostgreSQL providers find Npgsql.</summary>
    internal const string AdoNetInvariant = "Npgsql";

    /// <summary>
    /// Everything a silo of this service runs with, from configuration: Redis membership,
    /// PostgreSQL grain state, reminders and the durable entity-event stream, and the dashboard.
    /// </summary>
    public static IHostApplicationBuilder AddEventsSubscriptionsSilo(this IHostApplicationBuilder builder)
    {
        var (connections, cluster, silo, streams, telemetry) = builder.AddSiloSettings();
        var postgres = PostgresConnectionStrings.WithDefaults(connections.Postgres);
        // Two pools (the Orleans providers' and the service's own).
        KeepAliveThreads.Reserve(2 * new NpgsqlConnectionStringBuilder(postgres).MaxPoolSize);
        var redis = connections.Redis;

        // Registered before Orleans so that a silo never joins the cluster on an old schema.
        builder.Services.AddSingleton(sp => new SchemaMigrator(postgres, sp.GetRequiredService<ILogger<SchemaMigrator>>()));
        builder.Services.AddHostedService<SchemaVersionCheck>();
        builder.Services.AddHostedService<DatabaseRestartWatch>();

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(cluster.ShutdownTimeoutSeconds));
        builder.Services.AddHostedService(sp => new ShutdownWatchdog(
            sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<ShutdownWatchdog>>(),
            TimeSpan.FromSeconds(cluster.ShutdownTimeoutSeconds + 10)));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddKeyedSingleton(ServiceClock.Key, TimeProvider.System);
        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(PostgresConnectionStrings.ForService(postgres)).Build());
        builder.Services.AddSingleton<SubscriptionReadModel>();
        builder.Services.AddSingleton<HealthProjection>();
        builder.Services.AddSingleton<RoutingDeadLetters>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HealthProjection>());
        builder.Services.AddSingleton<OutboxWriter>();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<StreamSettings>>().Value);
        builder.Services.AddSingleton<EventQueueStore>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EventQueueStore>());
        builder.Services.AddSingleton<EventsSubscriptions.Grains.Entities.EntityRows>();
        builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<EventQueueSignal>(sp, postgres));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EventQueueSignal>());
        builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<EventQueue>(sp, StorageNames.EventStream));
        builder.Services.AddSingleton<DeliveryStore>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeliveryStore>());
        // The webhook address policy, declared resources and relations: what a PATCH is checked against here.
        builder.Services.AddSubscriptionRules();
        // One silo at a time runs the once-per-cluster jobs (retention, backlog gauges).
        builder.Services.AddSingleton<ClusterLease>();
        builder.Services.AddHostedService<DeliveryLogRetention>();
        // Whether this silo may act (call receivers, read the event queue): closed while it may be cut off.
        builder.Services.AddSingleton<SiloFence>();
        builder.Services.AddSingleton<ISiloFence>(sp => sp.GetRequiredService<SiloFence>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SiloFence>());
        builder.Services.AddSingleton<GuardedConnector>();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddSingleton<DeliveryMetrics>();
        builder.Services.AddSingleton<DeliveryWindows>();
        builder.Services.AddSingleton<DeliveryServices>();
        builder.Services.AddSingleton<EventsSubscriptions.Grains.Routing.RouteTableCache>();
        builder.Services.AddSingleton<EventsSubscriptions.Grains.Regions.RegionTreeStore>();
        builder.Services.AddSingleton<EventsSubscriptions.Grains.Regions.RegionPaths>();
        builder.Services.AddHostedService<EventsSubscriptions.Grains.Regions.RegionPathsRefresher>();
        // Each silo's copy of the region tree reads a move when the tree grain asks every silo.
        builder.Services.AddKeyedSingleton<Orleans.Providers.IControllable>(EventsSubscriptions.Grains.Regions.RegionPaths.ControlName,
            (sp, _) => sp.GetRequiredService<EventsSubscriptions.Grains.Regions.RegionPaths>());
        // The control command names the copy's type: allow that name on the wire.
        builder.Services.Configure<Orleans.Serialization.Configuration.TypeManifestOptions>(
            o => o.AddAllowedType(typeof(EventsSubscriptions.Grains.Regions.RegionPaths)));
        builder.Services.AddSingleton<FailureMailer>();
        builder.Services.AddSingleton<OperatorWebhooks>();
        builder.Services.AddSingleton<FailureNotifier>();
        builder.Services.AddHostedService<PendingAgeProbe>();
        builder.Services.AddHostedService<SiloHttpEndpoints>();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("events-subscriptions-silo", serviceInstanceId: $"{Environment.MachineName}:{silo.SiloPort}"))
            .WithMetrics(m =>
        {
            // System.Runtime: the .NET runtime's own (GC heap after the last collection, allocations, thread pool).
            m.AddMeter(DeliveryMetrics.MeterName, "Microsoft.Orleans", "System.Runtime");
            if (silo.MetricsPort > 0)
            {
                // Served by SiloHttpEndpoints on Silo__MetricsHost:Silo__MetricsPort.
                m.AddPrometheusExporter();
            }
        });
        if (telemetry.Enabled)
        {
            // An event's spans: the grain calls that carry it (Orleans' application source), its
            // routing and delivery (ServiceTracing), the webhook's HTTP call.
            otel.WithTracing(t => t
                .AddSource(ServiceTracing.SourceName, Orleans.Diagnostics.ActivitySources.ApplicationGrainActivitySourceName)
                .AddHttpClientInstrumentation()
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(telemetry.SampleRatio)))
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = telemetry.TracesEndpoint();
                    o.Protocol = telemetry.OtlpProtocol == OtlpTransport.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                }));
        }
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OutboxWriter>());
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<SecretSettings>>().Value is var secrets
            ? new SecretProtector(secrets.KeyBytes(), secrets.PreviousKeyBytes())
            : null!);
        builder.Services.AddHostedService<SecretRekeying>();

        builder.UseOrleans(siloBuilder =>
        {
            siloBuilder.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            siloBuilder.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(cluster.ProbeTimeoutSeconds);
                o.MaxProbeTimeout = TimeSpan.FromSeconds(cluster.MaxProbeTimeoutSeconds);
                o.NumMissedProbesLimit = cluster.MissedProbesLimit;
            });
            siloBuilder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(cluster.ResponseTimeoutSeconds));
            ConfigureEndpoints(siloBuilder, silo);
            if (telemetry.Enabled)
            {
                // Grain calls carry the caller's trace context (and make spans of their own).
                siloBuilder.AddActivityPropagation();
            }
            if (cluster.Kubernetes)
            {
                // After the endpoints: a pod's address (POD_IP) is advertised unless Silo__AdvertisedAddress names one.
                siloBuilder.UseKubernetesHosting();
            }

            siloBuilder.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(redis));

            // Every store of this silo writes grain state in Orleans' binary format, without type names.
            siloBuilder.Services.AddSingleton<IGrainStorageSerializer, GrainStateSerializer>();

            siloBuilder.AddAdoNetGrainStorageAsDefault(o =>
            {
                o.Invariant = AdoNetInvariant;
                o.ConnectionString = postgres;
            });
            siloBuilder.AddAdoNetGrainStorage(StorageNames.PubSubStore, o =>
            {
                o.Invariant = AdoNetInvariant;
                o.ConnectionString = postgres;
            });
            siloBuilder.UseAdoNetReminderService(o =>
            {
                o.Invariant = AdoNetInvariant;
                o.ConnectionString = postgres;
            });

            siloBuilder.AddEventStreams(streams, postgres);

            siloBuilder.AddDashboard();
            siloBuilder.AddIncomingGrainCallFilter<DeactivateOnFailureFilter>();
            // A gateway request of one tenant never runs a method of another tenant's grain.
            siloBuilder.AddIncomingGrainCallFilter<TenantGuardFilter>();
        });
        return builder;
    }

    /// <summary>
    /// Every configuration section a silo reads, each bound to its settings type and validated when
    /// the host starts (<see cref="Settings"/>): a bad value stops the silo with a message naming
    /// it. Returned: the sections needed before the host is built (Orleans' clustering, endpoints,
    /// stream providers), already validated the same way.
    /// </summary>
    public static (ConnectionStringSettings Connections, ClusterSettings Cluster, SiloSettings Silo, StreamSettings Streams, TelemetrySettings Telemetry) AddSiloSettings(
        this IHostApplicationBuilder builder)
    {
        var connections = builder.AddSettingsNow<ConnectionStringSettings>(ConnectionStringSettings.RequireRedis);
        var cluster = builder.AddSettingsNow<ClusterSettings>();
        var silo = builder.AddSettingsNow<SiloSettings>();
        var streams = builder.AddSettingsNow<StreamSettings>();
        var telemetry = builder.AddSettingsNow<TelemetrySettings>();
        builder.Services.AddSettings<SecretSettings>();
        builder.Services.AddSettings<WebhookSettings>();
        builder.Services.AddSettings<SmtpSettings>();
        builder.Services.AddSettings<OperatorWebhookSettings>();
        builder.Services.AddSettings<DeliverySettings>();
        builder.Services.AddSettings<EventSettings>();
        builder.Services.AddSettings<EntitySettings>();
        return (connections, cluster, silo, streams, telemetry);
    }

    public static ConfigurationOptions RedisOptions(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        // Start even while Redis is briefly away; membership calls retry on their own.
        options.AbortOnConnectFail = false;
        return options;
    }

    private static void ConfigureEndpoints(ISiloBuilder siloBuilder, SiloSettings silo)
    {
        if (string.IsNullOrWhiteSpace(silo.AdvertisedAddress))
        {
            siloBuilder.ConfigureEndpoints(silo.SiloPort, silo.GatewayPort, listenOnAnyHostAddress: true);
        }
        else if (IPAddress.TryParse(silo.AdvertisedAddress, out var address))
        {
            siloBuilder.ConfigureEndpoints(address, silo.SiloPort, silo.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
        }
        else
        {
            siloBuilder.ConfigureEndpoints(silo.AdvertisedAddress, silo.SiloPort, silo.GatewayPort, listenOnAnyHostAddress: true);
        }
    }
}
