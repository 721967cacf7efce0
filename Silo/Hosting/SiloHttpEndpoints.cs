using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Orleans.Runtime;

namespace EventsSubscriptions.Silo.Hosting;

/// <summary>
/// What a silo serves over HTTP, on <c>Silo__MetricsHost</c> (<c>localhost</c>, an address, or
/// <c>*</c> for every interface): Prometheus metrics on <c>Silo__MetricsPort</c>, and on
/// <c>Silo__HealthPort</c> its health for an orchestrator's probes: <c>/healthz</c> answers 200 while
/// the process runs and is not stopping (liveness: restart it otherwise); <c>/readyz</c> answers 200
/// when the silo is active in the cluster's membership and PostgreSQL answers, else 503 saying what
/// is not (readiness). A port of 0 turns its part off. A small Kestrel server of its own, apart from
/// the silo's services (it reads their metrics and state), started with the silo.
/// </summary>
public sealed class SiloHttpEndpoints(
    IOptions<SiloSettings> settings,
    MeterProvider meters,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    NpgsqlDataSource database,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private WebApplication? app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var (host, metricsPort, healthPort) = (settings.Value.MetricsHost, settings.Value.MetricsPort, settings.Value.HealthPort);
        if (metricsPort == 0 && healthPort == 0)
        {
            return;
        }
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(SiloHttpEndpoints).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls([.. new[] { metricsPort, healthPort }.Where(p => p > 0).Distinct().Select(p => $"http://{UrlHost(host)}:{p}")]);
        app = builder.Build();
        if (metricsPort > 0)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(meters, c => c.Connection.LocalPort == metricsPort && c.Request.Path == "/metrics",
                path: null, configureBranchedPipeline: null, optionsName: null);
        }
        if (healthPort > 0)
        {
            var onHealthPort = $"*:{healthPort}";
            app.MapGet("/healthz", () => lifetime.ApplicationStopping.IsCancellationRequested
                ? Results.Text("stopping\n", statusCode: 503) : Results.Text("alive\n")).RequireHost(onHealthPort);
            app.MapGet("/readyz", async (CancellationToken aborted) => await ReadinessAsync(aborted) is var (status, text)
                ? Results.Text(text + "\n", statusCode: status) : Results.StatusCode(500)).RequireHost(onHealthPort);
            loggers.CreateLogger<SiloHttpEndpoints>().HealthListening(healthPort);
        }
        await app.StartAsync(cancellationToken);
    }

    /// <summary><c>*</c> and <c>+</c> (every interface) as Kestrel reads them; an IPv6 address in brackets.</summary>
    private static string UrlHost(string host) => host switch
    {
        "*" or "+" => "*",
        _ when System.Net.IPAddress.TryParse(host, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 => $"[{host}]",
        _ => host,
    };

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (app is not null)
        {
            await app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }

    private async Task<(int, string)> ReadinessAsync(CancellationToken cancellationToken)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return (503, "stopping");
        }
        var state = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        if (state != SiloStatus.Active)
        {
            return (503, $"not active in the cluster: {state}");
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var command = database.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return (503, $"PostgreSQL does not answer: {e.Message}");
        }
        return (200, "ready");
    }
}
