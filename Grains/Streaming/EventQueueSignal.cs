using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using EventsSubscriptions.Grains.Hosting;

namespace EventsSubscriptions.Grains.Streaming;

/// <summary>
/// Wakes the pulls of the queues that received messages. Each commit of the event queue notifies
/// channel <c>es_event_queue</c> with the queues it wrote; one connection per silo listens and
/// marks them. A pull reads the database only for a marked queue, after a full read (more may be
/// waiting), or when <see cref="StreamSettings.FallbackPoll"/> passed (a notification lost while
/// the listener reconnected); while the listener is down, pulls poll every 100 ms.
/// </summary>
public sealed class EventQueueSignal(string connectionString, IOptions<ClusterOptions> cluster, StreamSettings options, ILogger<EventQueueSignal> logger)
    : BackgroundService
{
    public const string Channel = "es_event_queue";

    private readonly int[] marks = new int[options.Queues];
    private readonly TaskCompletionSource?[] waiters = new TaskCompletionSource?[options.Queues];
    private volatile bool listening;

    /// <summary>Whether notifications are being received; while not, pulls poll.</summary>
    public bool Listening => listening;

    /// <summary>Whether the queue was marked since the last call (the mark is cleared).</summary>
    public bool TakeMark(int queue) => Interlocked.Exchange(ref marks[queue], 0) == 1;

    /// <summary>Marks a queue (a message made visible again on this silo) and wakes its waiting pull.</summary>
    public void Mark(int queue)
    {
        Interlocked.Exchange(ref marks[queue], 1);
        Interlocked.Exchange(ref waiters[queue], null)?.TrySetResult();
    }

    /// <summary>
    /// Waits until the queue is marked, at most <paramref name="timeout"/>; whether it was (the mark
    /// is taken). One pull waits per queue: a second waiter of the same queue replaces the first,
    /// which then returns at its timeout.
    /// </summary>
    public async Task<bool> WaitForMarkAsync(int queue, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (TakeMark(queue))
        {
            return true;
        }
        if (timeout <= TimeSpan.Zero)
        {
            return false;
        }
        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref waiters[queue], woken);
        // A mark set before the waiter was in place is seen here; one set after completes it.
        if (!TakeMark(queue))
        {
            await woken.Task.WaitAsync(timeout, cancellationToken)
                .ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            Interlocked.CompareExchange(ref waiters[queue], null, woken);
            return TakeMark(queue);
        }
        Interlocked.CompareExchange(ref waiters[queue], null, woken);
        return true;
    }

    private void MarkAll()
    {
        for (var i = 0; i < marks.Length; i++)
        {
            Mark(i);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var prefix = cluster.Value.ServiceId + ":";
        var delay = TimeSpan.FromMilliseconds(250);
        var warned = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Its own connection, outside the pool: it lives as long as the silo.
                // (The configured connection string itself: a data source's copy has no password.)
                var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 5 };
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (!e.Payload.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return;
                    }
                    foreach (var part in e.Payload.AsSpan(prefix.Length).Split(','))
                    {
                        if (int.TryParse(e.Payload.AsSpan(prefix.Length)[part], out var queue) && queue >= 0 && queue < marks.Length)
                        {
                            Mark(queue);
                        }
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                listening = true;
                warned = false;
                // Whatever was committed while no one listened is read now.
                MarkAll();
                delay = TimeSpan.FromMilliseconds(250);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                if (listening || !warned)
                {
                    logger.QueueListenerDown(e);
                    warned = true;
                }
                listening = false;
                await Task.Delay(delay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
        listening = false;
    }
}
