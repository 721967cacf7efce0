using System.Diagnostics;
using System.Text.Json;
using EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;

namespace EventsSubscriptions.Gateway.FunctionalTests;

/// <summary>What ships in deploy/ for operators: alert rules Prometheus accepts, a dashboard Grafana can import.</summary>
[Trait("Category", "Unit")]
public sealed class DeployFilesTests
{
    [Fact]
    public async Task The_alert_rules_pass_promtool()
    {
        var rules = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "prometheus", "alerts.yml");
        var info = new ProcessStartInfo("promtool", ["check", "rules", rules])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("promtool did not start (scripts/test.sh installs it)");
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("SUCCESS: 7 rules found", output);
    }

    [Fact]
    public void The_grafana_dashboard_is_json_whose_panels_query_the_service_metrics()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "grafana", "events-subscriptions.json")));

        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToList();
        Assert.True(expressions.Count >= 10);
        Assert.Contains(expressions, e => e.Contains("es_delivery_latency_seconds_bucket", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("error_kind", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("es_delivery_oldest_pending_age_seconds", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("es_stream_oldest_age_seconds", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("es_stream_dead_letters", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("es_batch_wait_seconds_bucket", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("es_routing_yielded_seconds_total", StringComparison.Ordinal));
    }
}
