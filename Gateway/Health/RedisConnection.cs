using StackExchange.Redis;

namespace EventsSubscriptions.Gateway.Health;

/// <summary>One lazily opened Redis connection for the readiness check; it reconnects by itself.</summary>
public sealed class RedisConnection(string connectionString) : IAsyncDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private ConnectionMultiplexer? multiplexer;

    public async Task<IConnectionMultiplexer> GetAsync(CancellationToken cancellationToken)
    {
        if (multiplexer is { } existing)
        {
            return existing;
        }
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (multiplexer is null)
            {
                var options = ConfigurationOptions.Parse(connectionString);
                options.AbortOnConnectFail = false;
                options.ConnectTimeout = 2000;
                multiplexer = await ConnectionMultiplexer.ConnectAsync(options);
            }
            return multiplexer;
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (multiplexer is not null)
        {
            await multiplexer.DisposeAsync();
        }
        gate.Dispose();
    }
}
