using System.Text.Json;
using System.Text.Json.Serialization;
using EventsSubscriptions.Gateway.Health;
using EventsSubscriptions.Grains.Interfaces.Hosting;
using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Webhooks;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Configuration;
using Orleans.Dashboard;
using StackExchange.Redis;

namespace EventsSubscriptions.Gateway.Hosting;

public static class GatewayHostingExtensions
{
    /// <summary>Registers everything the gateway serves with: Orleans client, auth, problem details, OpenAPI.</summary>
    public static WebApplicationBuilder AddGatewayServices(this WebApplicationBuilder builder)
    {
        var (connections, cluster, auth, gateway, telemetry) = builder.AddGatewaySettings();
        var postgres = connections.Postgres;
        var redis = connections.Redis;

        // The Orleans client keeps retrying until a silo answers; start Kestrel alongside it so
        // that /healthz and /readyz answer meanwhile.
        builder.Services.Configure<HostOptions>(o => o.ServicesStartConcurrently = true);
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = gateway.MaxRequestBodyBytes);

        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            client.UseRedisClustering(o =>
            {
                o.ConfigurationOptions = ConfigurationOptions.Parse(redis);
                o.ConfigurationOptions.AbortOnConnectFail = false;
            });
            client.UseConnectionRetryFilter<ClusterConnectionRetry>();
            // A call to a silo that was lost fails after this, not Orleans' 30 s, and is tried again
            // (IdempotentRetry); the gateway list is read twice a second (one Redis read), so that
            // a silo declared dead stops getting calls before they are tried again, and an added
            // one takes work.
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(gateway.GrainCallTimeoutSeconds));
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromMilliseconds(500));
            client.AddDashboard();
            if (telemetry.Enabled)
            {
                // The API call's trace goes on into the grains (and from there to the webhook).
                client.AddActivityPropagation();
            }
        });

        var gatewayPostgres = new NpgsqlConnectionStringBuilder(postgres) { KeepAlive = 5 };
        KeepAliveThreads.Reserve(gatewayPostgres.MaxPoolSize);
        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(gatewayPostgres.ConnectionString).Build());
        builder.Services.AddSingleton(_ => new RedisConnection(redis));
        builder.Services.AddSingleton(s => new Portal.PortalLinkStore(s.GetRequiredService<NpgsqlDataSource>(), cluster.ServiceId));
        builder.Services.AddSingleton(s => new Entities.EntityListStore(s.GetRequiredService<NpgsqlDataSource>(), cluster.ServiceId));
        builder.Services.AddSingleton(s => new IdempotencyKeyStore(s.GetRequiredService<NpgsqlDataSource>(), cluster.ServiceId));
        if (gateway.DevMailbox)
        {
            builder.Services.AddSingleton(s => new Development.DevMailbox(gateway.DevMailboxPort, s.GetRequiredService<ILogger<Development.DevMailbox>>()));
            builder.Services.AddHostedService(s => s.GetRequiredService<Development.DevMailbox>());
        }
        builder.Services.AddSingleton<ReadinessProbe>();
        builder.Services.AddSubscriptionRules();
        builder.Services.Configure<RouteOptions>(o => o.SetParameterPolicy<SubscriptionIdConstraint>(SubscriptionIdConstraint.Name));

        builder.Services.AddGatewayAuth(auth);
        builder.Services.AddSingleton(gateway);
        builder.Services.AddCallerRateLimiting(gateway);

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("events-subscriptions-gateway", serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithMetrics(m => m
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.Orleans")
            .AddPrometheusExporter());
        if (telemetry.Enabled)
        {
            // An API call (continuing the caller's traceparent) and the grain calls it makes;
            // probes and scrapes are not traced.
            otel.WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path))
                .AddSource(Orleans.Diagnostics.ActivitySources.ApplicationGrainActivitySourceName)
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(telemetry.SampleRatio)))
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = telemetry.TracesEndpoint();
                    o.Protocol = telemetry.OtlpProtocol == OtlpTransport.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                }));
        }
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
            context.ProblemDetails.Detail ??= DefaultDetail(context.ProblemDetails.Status, context.HttpContext));
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer<ApiDocumentDescription>().AddOperationTransformer<ApiOperationDescription>()
            .AddSchemaTransformer<ApiSchemaDescription>());
        return builder;
    }

    /// <summary>
    /// Every configuration section the gateway reads, each bound to its settings type and validated
    /// when the host starts (<see cref="Settings"/>): a bad value stops the gateway with a message
    /// naming it. Returned: the sections needed before the host is built (the Orleans client,
    /// authentication, Kestrel's and the rate limiter's limits), already validated the same way.
    /// </summary>
    public static (ConnectionStringSettings Connections, ClusterSettings Cluster, AuthSettings Auth, GatewaySettings Gateway, TelemetrySettings Telemetry) AddGatewaySettings(
        this IHostApplicationBuilder builder)
    {
        var connections = builder.AddSettingsNow<ConnectionStringSettings>(ConnectionStringSettings.RequireRedis);
        var cluster = builder.AddSettingsNow<ClusterSettings>();
        var auth = builder.AddSettingsNow<AuthSettings>();
        var gateway = builder.AddSettingsNow<GatewaySettings>();
        var telemetry = builder.AddSettingsNow<TelemetrySettings>();
        builder.Services.AddSettings<WebhookSettings>();
        builder.Services.AddSettings<EntitySettings>();
        return (connections, cluster, auth, gateway, telemetry);
    }

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");

    /// <summary>A 403's reason: the scopes the operation needs, and those the token holds.</summary>
    private static string MissingScopes(HttpContext context)
    {
        var needed = (context.GetEndpoint()?.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>() ?? [])
            .Select(a => a.Policy == AuthExtensions.OperationsPolicy ? Scopes.Admin : a.Policy).OfType<string>().Where(Scopes.All.Contains).Distinct().ToList();
        var held = Scopes.All.Where(s => Scopes.Held(context.User, s)).ToList();
        var missing = needed.Where(s => !held.Contains(s)).ToList();
        return (missing.Count > 0
                ? $"This operation needs the scope{(missing.Count > 1 ? "s" : "")} {string.Join(" and ", missing)}"
                : "This operation needs a scope the token lacks")
            + $"; the token holds {(held.Count == 0 ? "none" : string.Join(", ", held))}.";
    }

    /// <summary>What to do about an answer the framework gave without saying why (auth, routing, content type).</summary>
    private static string? DefaultDetail(int? status, HttpContext context) => status switch
    {
        StatusCodes.Status401Unauthorized => context.Response.Headers.WWWAuthenticate.ToString().Contains("expired", StringComparison.OrdinalIgnoreCase)
            ? "The bearer token has expired: get a new one (scripts/token.sh in development) and send it again."
            : "A bearer token is required: send 'Authorization: Bearer <token>' with a valid, unexpired token of this service's issuer.",
        StatusCodes.Status403Forbidden => MissingScopes(context),
        StatusCodes.Status404NotFound => $"Nothing is served at {context.Request.Path}.",
        StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed on {context.Request.Path}" +
            (context.Response.Headers.Allow.Count > 0 ? $"; allowed: {context.Response.Headers.Allow}." : "."),
        StatusCodes.Status415UnsupportedMediaType => "The body must be UTF-8 JSON: send it with Content-Type: application/json.",
        StatusCodes.Status429TooManyRequests => "Too many requests from this caller: wait for the seconds in Retry-After, then try again.",
        _ => null,
    };

    /// <summary>The middleware order matters: problem details wrap everything, auth runs before endpoints.</summary>
    public static WebApplication UseGateway(this WebApplication app)
    {
        // A grain call that met an outage (the database away, a silo gone) is a 503 worth retrying.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e is ServiceFailureException { Transient: true }
                ? StatusCodes.Status503ServiceUnavailable
                : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.UseMiddleware<StorableQueryGuard>();
        app.UseMiddleware<IdempotentRetry>();
        app.UseAuthentication();
        // The tenant a request acts for, before anything counts or serves it.
        app.UseMiddleware<TenantResolution>();
        app.UseMiddleware<Portal.PortalSessionGuard>();
        app.UseRateLimiter();
        app.UseAuthorization();
        // After authorization: a key is the caller's own, and a refused request claims none.
        app.UseMiddleware<IdempotencyKeys>();
        return app;
    }
}
