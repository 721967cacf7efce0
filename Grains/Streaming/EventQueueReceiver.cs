using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace EventsSubscriptions.Grains.Streaming;

/// <summary>
/// Reads one queue for the silo's pulling agent. The agent asks often (every few milliseconds);
/// the database is read only when <see cref="EventQueueSignal"/> says the queue received
/// messages, after a full read, or at the fallback poll. Delivered messages are deleted in one
/// statement per purge of the agent's cache.
/// </summary>
public sealed partial class EventQueueReceiver(int queue, EventQueue events, EventQueueSignal signal, TimeProvider clock, ILogger<EventQueueReceiver> logger)
    : IQueueAdapterReceiver
{
    private static readonly TimeSpan PollWithoutListener = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan DeadLetterSweep = TimeSpan.FromMinutes(5);

    private readonly EventQueueOptions options = events.Options;
    private bool more = true;
    private DateTimeOffset nextPoll;
    private DateTimeOffset nextSweep;
    private volatile bool shutdown;
    private Task? outstanding;

    /// <summary>Messages claimed and not yet confirmed: handed back at once when the receiver stops.</summary>
    private readonly HashSet<(long Id, int Receipt)> held = [];

    public Task Initialize(TimeSpan timeout) => Task.CompletedTask;

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount)
    {
        var now = clock.GetUtcNow();
        // Marks are taken first: a notification that arrives during the read marks the queue again.
        var marked = signal.TakeMark(queue);
        if (shutdown || !(marked || more || now >= nextPoll))
        {
            return [];
        }
        nextPoll = now + (signal.Listening ? options.FallbackPoll : PollWithoutListener);
        var max = maxCount <= 0 ? options.PullBatchSize : Math.Min(maxCount, options.PullBatchSize);
        var read = events.Store.ClaimAsync(queue, max, options.VisibilityTimeout);
        outstanding = read;
        IReadOnlyList<ClaimedMessage> claimed;
        try
        {
            claimed = await read;
        }
        catch (Exception e)
        {
            more = true;
            LogClaimFailed(e, queue);
            throw;
        }
        finally
        {
            outstanding = null;
        }
        more = claimed.Count >= max;
        if (now >= nextSweep)
        {
            nextSweep = now + DeadLetterSweep;
            await events.Store.ForgetDeadLettersAsync(queue, options.DeadLetterRetention);
        }

        var batches = new List<IBatchContainer>(claimed.Count);
        List<long>? spent = null;
        foreach (var message in claimed)
        {
            if (message.Receipt > options.MaxAttempts)
            {
                // Claimed again and again without a confirmation: every silo that held it died
                // or failed it. It goes to the dead letters rather than around once more.
                (spent ??= []).Add(message.Id);
                continue;
            }
            try
            {
                batches.Add(events.Unpack(message));
                lock (held)
                {
                    held.Add((message.Id, message.Receipt));
                }
            }
            catch (Exception e)
            {
                LogUnreadable(e, queue, message.Id);
                (spent ??= []).Add(message.Id);
            }
        }
        if (spent is not null)
        {
            await events.Store.BuryAsync(queue, spent, maxAttempts: 0);
            LogBuried(queue, spent.Count, string.Join(", ", spent));
        }
        return batches;
    }

    public async Task MessagesDeliveredAsync(IList<IBatchContainer> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }
        var delivered = messages.OfType<EventQueueBatch>().Select(m => (m.MessageId, m.Receipt)).ToList();
        var confirm = events.Store.ConfirmAsync(queue, delivered);
        outstanding = confirm;
        try
        {
            await confirm;
            lock (held)
            {
                held.ExceptWith(delivered);
            }
        }
        catch (Exception e)
        {
            // Not deleted: claimed again after the visibility timeout, delivered again, ignored
            // by the consumers that have it.
            LogConfirmFailed(e, queue, delivered.Count);
            throw;
        }
        finally
        {
            outstanding = null;
        }
    }

    /// <summary>
    /// Waits for the read or confirmation under way, then hands the messages it still holds back
    /// to the queue (visible at once to the silo that takes the queue over, instead of after the
    /// visibility timeout); their consumers ignore what they already had.
    /// </summary>
    public async Task Shutdown(TimeSpan timeout)
    {
        shutdown = true;
        if (outstanding is { } task)
        {
            await task.WaitAsync(timeout).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        List<(long, int)> left;
        lock (held)
        {
            left = [.. held];
            held.Clear();
        }
        if (left.Count == 0)
        {
            return;
        }
        try
        {
            using var cancel = new CancellationTokenSource(timeout);
            await events.Store.ReleaseAsync(queue, left, cancel.Token);
        }
        catch (Exception e)
        {
            LogReleaseFailed(e, queue, left.Count);
        }
    }

    [LoggerMessage(5, LogLevel.Warning, "Event queue {Queue}: handing back {Count} message(s) at shutdown failed; they are read again after the visibility timeout")]
    private partial void LogReleaseFailed(Exception exception, int queue, int count);

    [LoggerMessage(1, LogLevel.Warning, "Event queue {Queue}: reading messages failed")]
    private partial void LogClaimFailed(Exception exception, int queue);

    [LoggerMessage(2, LogLevel.Error, "Event queue {Queue}: message {MessageId} cannot be read; it goes to the dead letters")]
    private partial void LogUnreadable(Exception exception, int queue, long messageId);

    [LoggerMessage(3, LogLevel.Error, "Event queue {Queue}: {Count} message(s) moved to event_queue_dead_letter: {Ids}")]
    private partial void LogBuried(int queue, int count, string ids);

    [LoggerMessage(4, LogLevel.Warning, "Event queue {Queue}: confirming {Count} delivered message(s) failed; they will be read again")]
    private partial void LogConfirmFailed(Exception exception, int queue, int count);
}
