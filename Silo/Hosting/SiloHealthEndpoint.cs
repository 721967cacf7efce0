using System.Net;
using System.Text;
using EventsSubscriptions.Grains.Interfaces.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Runtime;

namespace EventsSubscriptions.Silo.Hosting;

/// <summary>
/// The silo's health over HTTP, for an orchestrator's probes (<c>Silo__HealthPort</c>; 0, the default
/// outside containers, turns it off): <c>/healthz</c> answers 200 while the process runs and is not
/// stopping (a liveness probe: restart it otherwise); <c>/readyz</c> answers 200 when the silo is
/// active in the cluster's membership and PostgreSQL answers, else 503 saying what is not (a
/// readiness probe). A small HTTP listener of its own: the silo serves nothing else over HTTP.
/// </summary>
public sealed class SiloHealthEndpoint(
    IOptions<SiloSettings> settings,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    NpgsqlDataSource database,
    IHostApplicationLifetime lifetime,
    ILogger<SiloHealthEndpoint> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var port = settings.Value.HealthPort;
        if (port == 0)
        {
            return;
        }
        using var listener = new HttpListener();
        var host = settings.Value.MetricsHost is "*" or "+" ? "*" : settings.Value.MetricsHost;
        listener.Prefixes.Add($"http://{host}:{port}/");
        if (host == "localhost")
        {
            // A listener matches the Host a request names: a probe of 127.0.0.1 is local too.
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        }
        listener.Start();
        logger.HealthListening(port);
        using var stop = stoppingToken.Register(listener.Stop);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            _ = AnswerAsync(context, stoppingToken);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context, CancellationToken cancellationToken)
    {
        var (status, text) = context.Request.Url?.AbsolutePath switch
        {
            "/healthz" => lifetime.ApplicationStopping.IsCancellationRequested ? (503, "stopping") : (200, "alive"),
            "/readyz" => await ReadinessAsync(cancellationToken),
            _ => (404, "/healthz or /readyz"),
        };
        try
        {
            var body = Encoding.UTF8.GetBytes(text + "\n");
            context.Response.StatusCode = status;
            context.Response.ContentType = "text/plain; charset=utf-8";
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body, cancellationToken);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // The prober went away: nothing to answer.
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
