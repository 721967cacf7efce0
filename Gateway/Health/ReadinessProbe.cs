using System.Diagnostics;
using Npgsql;
using Orleans.Runtime;
using StackExchange.Redis;
using EventsSubscriptions.Gateway.Hosting;

namespace EventsSubscriptions.Gateway.Health;

/// <summary>
/// Asks each dependency the gateway needs whether it answers: Redis (membership), PostgreSQL
/// (all durable state) and the Orleans cluster (at least one active silo).
/// </summary>
public sealed class ReadinessProbe(
    IClusterClient client,
    NpgsqlDataSource postgres,
    RedisConnection redis,
    ILogger<ReadinessProbe> logger)
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    public async Task<ReadinessReport> CheckAsync(CancellationToken cancellationToken)
    {
        var checks = await Task.WhenAll(
            RunAsync("redis", CheckRedisAsync, cancellationToken),
            RunAsync("postgres", CheckPostgresAsync, cancellationToken),
            RunAsync("cluster", CheckClusterAsync, cancellationToken));
        return new ReadinessReport(
            checks.All(c => c.Status == DependencyStatus.Up) ? "ready" : "not-ready",
            checks.ToDictionary(c => c.Name));
    }

    private async Task<DependencyCheck> RunAsync(string name, Func<CancellationToken, Task<string?>> check, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        try
        {
            var detail = await check(timeout.Token).WaitAsync(timeout.Token);
            return new DependencyCheck(name, DependencyStatus.Up, watch.ElapsedMilliseconds, detail);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.DependencyDown(e, name);
            // The endpoint is public: say what is down, not the exception text.
            var reason = e is OperationCanceledException or TimeoutException ? "no answer in time" : "unreachable";
            return new DependencyCheck(name, DependencyStatus.Down, watch.ElapsedMilliseconds, reason);
        }
    }

    private async Task<string?> CheckRedisAsync(CancellationToken cancellationToken)
    {
        var multiplexer = await redis.GetAsync(cancellationToken);
        await multiplexer.GetDatabase().PingAsync();
        return null;
    }

    private async Task<string?> CheckPostgresAsync(CancellationToken cancellationToken)
    {
        await using var command = postgres.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken);
        return null;
    }

    private async Task<string?> CheckClusterAsync(CancellationToken cancellationToken)
    {
        var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        if (hosts.Count == 0)
        {
            throw new InvalidOperationException("no active silo");
        }
        return $"{hosts.Count} active silo(s)";
    }
}

public enum DependencyStatus { Up, Down }

public sealed record DependencyCheck([property: System.Text.Json.Serialization.JsonIgnore] string Name, DependencyStatus Status, long DurationMs, string? Detail);

public sealed record ReadinessReport(string Status, IReadOnlyDictionary<string, DependencyCheck> Checks);
