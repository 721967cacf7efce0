using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>
/// One writer per silo for a kind of row: items queued by many grains are coalesced into one
/// round trip. Each caller's task completes when its item is durable, or fails with its batch.
/// </summary>
public abstract class BatchingWriter<TItem, TResult>(ILogger logger, int maxBatch = 512) : BackgroundService
{
    private readonly Channel<(TItem Item, TaskCompletionSource<TResult> Done)> queue =
        Channel.CreateUnbounded<(TItem, TaskCompletionSource<TResult>)>(new UnboundedChannelOptions { SingleReader = true });

    protected Task<TResult> EnqueueAsync(TItem item)
    {
        var done = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!queue.Writer.TryWrite((item, done)))
        {
            done.SetException(new InvalidOperationException($"{GetType().Name} is stopped."));
        }
        return done.Task;
    }

    /// <summary>Writes a batch; returns one result per item, in order.</summary>
    protected abstract Task<IReadOnlyList<TResult>> WriteAsync(IReadOnlyList<TItem> batch, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<(TItem Item, TaskCompletionSource<TResult> Done)>(maxBatch);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < maxBatch && queue.Reader.TryRead(out var entry))
                {
                    batch.Add(entry);
                }
                try
                {
                    var results = await WriteAsync(batch.Select(b => b.Item).ToList(), stoppingToken);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Done.TrySetResult(results[i]);
                    }
                }
                catch (Exception e)
                {
                    logger.LogWarning("{Writer}: a batch of {Count} failed: {Error}", GetType().Name, batch.Count, e.Message);
                    foreach (var (_, done) in batch)
                    {
                        done.TrySetException(e);
                    }
                }
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
