using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using EventsSubscriptions.Grains.Hosting;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>
/// One writer per silo for a kind of row: items queued by many grains are coalesced into one
/// round trip. Each caller's task completes when its item is durable, or fails with its batch.
/// </summary>
public abstract class BatchingWriter<TItem, TResult>(ILogger logger, Delivery.DeliveryMetrics? metrics = null, int maxBatch = 512) : BackgroundService
{
    private readonly record struct Entry(TItem Item, TaskCompletionSource<TResult> Done, long QueuedAt);

    /// <summary>The writer's name in logs and metrics (its class).</summary>
    private string Name => name ??= GetType().Name;
    private string? name;

    private readonly Channel<Entry> queue = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true });

    protected Task<TResult> EnqueueAsync(TItem item)
    {
        // Continuations run as the writer completes the task, not as a thread-pool item of their own:
        // its callers are grains, whose continuations are queued to their activation's scheduler
        // anyway (an asynchronous completion cost one more thread-pool item per row, two per delivery).
        var done = new TaskCompletionSource<TResult>();
        if (!queue.Writer.TryWrite(new Entry(item, done, System.Diagnostics.Stopwatch.GetTimestamp())))
        {
            done.SetException(new InvalidOperationException($"{Name} is stopped."));
        }
        return done.Task;
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
            var results = await WriteAsync(batch.Select(b => b.Item).ToList(), cancellationToken);
            var writtenAt = System.Diagnostics.Stopwatch.GetTimestamp();
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(results[i]);
            }
            // Measured once the callers have their answers: nothing here can fail a written batch.
            metrics?.BatchWritten(Name, batch.Count);
            foreach (var entry in batch)
            {
                metrics?.Waited(Name, System.Diagnostics.Stopwatch.GetElapsedTime(entry.QueuedAt, writtenAt));
            }
        }
        catch (Exception e) when (batch.Count > 1 && DatabaseFaults.IsItemFault(e))
        {
            var half = batch.Count / 2;
            await WriteIsolatingAsync(batch[..half], cancellationToken);
            await WriteIsolatingAsync(batch[half..], cancellationToken);
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
            left.Done.TrySetException(new OperationCanceledException("The silo is stopping."));
        }
    }
}
