namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>
/// Keeps trying to reach the cluster at start-up instead of failing: the gateway may start before
/// the silos, and /readyz says so meanwhile.
/// </summary>
public sealed class ClusterConnectionRetry(ILogger<ClusterConnectionRetry> logger) : IClientConnectionRetryFilter
{
    private int attempts;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref attempts);
        if (attempt == 1 || attempt % 10 == 0)
        {
            logger.NoSiloYet(attempt, exception.Message);
        }
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), cancellationToken);
        return true;
    }
}
