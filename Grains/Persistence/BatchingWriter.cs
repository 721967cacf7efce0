using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using EventsSubscriptions.Grains.Hosting;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>
/// One writer per silo for a kind of row: items queued by many grains are coalesced into one
/// round trip. Each caller's task completes when its item is durable, or fails with its batch.
/// </summary>
public abstract class BatchingWriter<TItem, TResult>(ILogger logger, Delivery.DeliveryMetrics? metrics = null, int maxBatch = 512) : BackgroundService
{
    private readonly record struct Entry(TItem Item, TaskCompletionSource<TResult> Done, long QueuedAt);

    /// <summary>The service's metrics, when the writer reports them.</summary>
    protected Delivery.DeliveryMetrics? Metrics => metrics;

    /// <summary>The writer's name in logs and metrics (its class).</summary>
    private string Name => name ??= GetType().Name;
    private string? name;

    private readonly Channel<Entry> queue = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Items queued or being written, not yet answered.</summary>
    private int waiting;

    /// <summary>Items per round trip, averaged over the last writes (each weighs a fifth), as bits of a double.</summary>
    private long averageBatchBits;
    private long lastWrittenAt;

    protected Task<TResult> EnqueueAsync(TItem item)
    {
        // Continuations run as the writer completes the task, not as a thread-pool item of their own:
        // its callers are grains, whose continuations are queued to their activation's scheduler
        // anyway (an asynchronous completion cost one more thread-pool item per row, two per delivery).
        var done = new TaskCompletionSource<TResult>();
        Interlocked.Increment(ref waiting);
        if (!queue.Writer.TryWrite(new Entry(item, done, System.Diagnostics.Stopwatch.GetTimestamp())))
        {
            Interlocked.Decrement(ref waiting);
            done.SetException(new InvalidOperationException($"{Name} is stopped."));
        }
        return done.Task;
    }

    /// <summary>How soon after the last round trip of a burst the writer counts as calm again.</summary>
    public static readonly TimeSpan BurstGap = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan BurstCheck = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Whether the writer is coalescing many items per round trip: its recent round trips carried
    /// <paramref name="items"/> items or more on average, and items wait for it now or the last
    /// round trip ended within <see cref="BurstGap"/>. Group commit coalesces more as items arrive
    /// faster than a round trip takes, so this says that callers queue for it (a burst).
    /// </summary>
    public bool Coalescing(double items) =>
        items > 0
        && BitConverter.Int64BitsToDouble(Interlocked.Read(ref averageBatchBits)) >= items
        && (Volatile.Read(ref waiting) > 0 || System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref lastWrittenAt)) < BurstGap);

    /// <summary>
    /// Waits while the writer is <see cref="Coalescing"/>, at most <paramref name="longest"/>;
    /// returns how long it waited (zero when there was no burst).
    /// </summary>
    public async Task<TimeSpan> WaitWhileCoalescingAsync(double items, TimeSpan longest, CancellationToken cancellationToken)
    {
        if (!Coalescing(items))
        {
            return TimeSpan.Zero;
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            while (System.Diagnostics.Stopwatch.GetElapsedTime(started) < longest && Coalescing(items))
            {
                await Task.Delay(BurstCheck, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        return System.Diagnostics.Stopwatch.GetElapsedTime(started);
    }

    private void Written(int count, long at)
    {
        // Only the writer's loop updates these; readers take whole values. A round trip after a
        // pause (none within the burst gap) starts the average afresh: a burst long past does not
        // make the next lone item look like one.
        var previous = lastWrittenAt;
        var average = BitConverter.Int64BitsToDouble(averageBatchBits);
        average = previous == 0 || System.Diagnostics.Stopwatch.GetElapsedTime(previous, at) > BurstGap ? count : average + (count - average) / 5;
        Interlocked.Exchange(ref averageBatchBits, BitConverter.DoubleToInt64Bits(average));
        Interlocked.Exchange(ref lastWrittenAt, at);
    }

    /// <summary>Writes a batch; returns one result per item, in order.</summary>
    protected abstract Task<IReadOnlyList<TResult>> WriteAsync(IReadOnlyList<TItem> batch, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a batch. When the database refuses it for what one of its items holds (a data or
    /// constraint error, not a lost connection), the batch is split in halves and each written
    /// again, down to the one item at fault: it alone fails, logged and counted; the others succeed.
    /// </summary>
    private async Task WriteIsolatingAsync(List<Entry> batch, CancellationToken cancellationToken)
    {
        try
        {
            await WriteSplittingAsync(batch, cancellationToken);
        }
        finally
        {
            Interlocked.Add(ref waiting, -batch.Count);
        }
    }

    private async Task WriteSplittingAsync(List<Entry> batch, CancellationToken cancellationToken)
    {
        try
        {
            var results = await WriteAsync(batch.Select(b => b.Item).ToList(), cancellationToken);
            var writtenAt = System.Diagnostics.Stopwatch.GetTimestamp();
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(results[i]);
            }
            // Measured once the callers have their answers: nothing here can fail a written batch.
            Written(batch.Count, writtenAt);
            metrics?.BatchWritten(Name, batch.Count);
            foreach (var entry in batch)
            {
                metrics?.Waited(Name, System.Diagnostics.Stopwatch.GetElapsedTime(entry.QueuedAt, writtenAt));
            }
        }
        catch (Exception e) when (batch.Count > 1 && DatabaseFaults.IsItemFault(e))
        {
            var half = batch.Count / 2;
            await WriteSplittingAsync(batch[..half], cancellationToken);
            await WriteSplittingAsync(batch[half..], cancellationToken);
        }
        catch (Exception e)
        {
            if (DatabaseFaults.IsItemFault(e))
            {
                metrics?.ItemRejected(Name);
                logger.ItemRefused(e, Name);
            }
            else
            {
                logger.BatchFailed(e, Name, batch.Count);
            }
            foreach (var entry in batch)
            {
                entry.Done.TrySetException(e);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Entry>(maxBatch);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < maxBatch && queue.Reader.TryRead(out var entry))
                {
                    batch.Add(entry);
                }
                await WriteIsolatingAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        queue.Writer.TryComplete();
        while (queue.Reader.TryRead(out var left))
        {
            Interlocked.Decrement(ref waiting);
            left.Done.TrySetException(new OperationCanceledException("The silo is stopping."));
        }
    }
}
