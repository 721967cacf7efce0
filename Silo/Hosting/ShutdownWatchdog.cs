namespace EventsSubscriptions.Silo.Hosting;

/// <summary>
/// Ends the process when a graceful stop takes longer than it may: Orleans' shutdown can wait on
/// PostgreSQL or Redis that are already gone, and an operator's SIGTERM must end the silo in a
/// bounded time. What the stop did not hand over is recovered as after a crash (nothing is lost).
/// </summary>
public sealed class ShutdownWatchdog(IHostApplicationLifetime lifetime, ILogger<ShutdownWatchdog> logger, TimeSpan limit) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(() =>
        {
            var watchdog = new Thread(() =>
            {
                if (!lifetime.ApplicationStopped.WaitHandle.WaitOne(limit))
                {
                    logger.StopTimedOut(limit);
                    Environment.Exit(3);
                }
            })
            {
                IsBackground = true,
                Name = "shutdown watchdog",
            };
            watchdog.Start();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
