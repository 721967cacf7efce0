using Orleans.Streams;

namespace EventsSubscriptions.Grains.Streaming;

/// <summary>
/// Reads one queue for the silo's pulling agent. The database is read only when
/// <see cref="EventQueueSignal"/> says the queue received messages, after a full read, or at the
/// fallback poll. When none of these holds, the agent's ask waits for the queue's notification (a
/// long poll, up to the fallback poll): a new message is read the moment it is notified, not at the
/// agent's next tick, and an idle queue costs one ask per fallback poll instead of one per tick. Delivered messages are deleted in one
/// statement per purge of the agent's cache. The messages it holds (claimed, not yet delivered)
/// stay invisible to other pulls while it lives: their visibility is extended as it runs out.
/// </summary>
public sealed partial class EventQueueReceiver(
    int queue, EventQueue events, EventQueueSignal signal, TimeProvider clock, Hosting.ISiloFence fence, ILogger<EventQueueReceiver> logger)
    : IQueueAdapterReceiver
{
    private static readonly TimeSpan PollWithoutListener = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan PollSlack = TimeSpan.FromMilliseconds(2);

    private readonly StreamSettings options = events.Options;
    private bool more = true;
    private DateTimeOffset nextPoll;
    private DateTimeOffset nextExtension;

    /// <summary>Until when reads go without waiting for a burst of entity changes to end (after one waited its longest).</summary>
    private DateTimeOffset routeFreelyUntil;
    private volatile bool shutdown;
    private readonly CancellationTokenSource stopping = new();
    private Task? outstanding;

    /// <summary>
    /// The last token given, shared by the receivers of the process: each message handed to an
    /// agent's cache gets a greater one than every message before it (see <see cref="EventQueueBatch"/>).
    /// </summary>
    private static long lastToken;

    /// <summary>The messages handed to the agent, not yet confirmed or handed back to the queue.</summary>
    private readonly HeldClaims held = new();

    /// <summary>Delivered messages whose confirmation failed, confirmed again with the next one.</summary>
    private readonly UnconfirmedDeliveries unconfirmed = new();

    public int Queue => queue;

    /// <summary>
    /// This silo takes the queue: claims still held on it belong to its previous owner, which
    /// handed them back if it stopped gracefully, and otherwise was lost holding them (killed, or
    /// cut off and declared dead). They are made visible at once (the next claim counts as an attempt), so that the
    /// queue is read from its oldest message: left to their visibility timeout, the messages after
    /// them would be routed first, and an entity's later change delivered before its earlier one.
    /// A previous owner that is still running finds its receipts changed: its confirmations delete
    /// nothing, and what it routed is routed again here (subscriptions ignore an event they have).
    /// </summary>
    public async Task Initialize(TimeSpan timeout)
    {
        try
        {
            using var deadline = new CancellationTokenSource(timeout);
            if (await events.Store.TakeOverAsync(queue, deadline.Token) is var released and > 0)
            {
                LogTookOver(queue, released);
            }
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or OperationCanceledException or TimeoutException)
        {
            // The claims run out on their own (the visibility timeout).
            LogTakeOverFailed(e, queue);
        }
    }

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount)
    {
        // A silo that may have been declared dead claims nothing: the queue may be another's now.
        if (shutdown || !fence.IsOpen)
        {
            return [];
        }
        var now = clock.GetUtcNow();
        await ExtendHeldAsync(now);
        await SweepDeadLettersAsync(now);
        if (unconfirmed.Count > 0)
        {
            await ConfirmAsync([]);
        }
        // Marks are taken first: a notification that arrives during the read marks the queue again.
        var marked = signal.TakeMark(queue);
        if (!(marked || more || now >= nextPoll))
        {
            // Whole milliseconds (a timer's resolution), at least one: no spinning just before the poll is due.
            var wait = TimeSpan.FromMilliseconds(Math.Clamp(Math.Ceiling((nextPoll - now).TotalMilliseconds), 1, options.FallbackPoll.TotalMilliseconds));
            marked = await signal.WaitForMarkAsync(queue, wait, stopping.Token);
            now = clock.GetUtcNow();
            // Not marked and well before the poll: another pull of this queue took the wait over.
            if (shutdown || !(marked || now >= nextPoll - PollSlack))
            {
                return [];
            }
        }
        // Routing yields to commits: during a burst of entity changes this read waits for it to end, at most
        // RoutingYieldMax, and never past the time its held messages' claims need extending. A
        // read that waited as long as it could leaves the reads after it free to route as long:
        // a burst that does not end (a steady rate the cores cannot deliver, or slow commits) holds
        // routing back half the time at most, not to one pull per wait.
        if (now >= routeFreelyUntil)
        {
            var longest = TimeSpan.FromTicks(Math.Max(0, Math.Min(options.RoutingYieldMax.Ticks, (nextExtension - now).Ticks)));
            if (await events.Store.WaitOutBurstAsync(options.RoutingYieldBatch, longest, stopping.Token) is var waited
                && longest > TimeSpan.Zero && waited >= longest)
            {
                routeFreelyUntil = clock.GetUtcNow() + options.RoutingYieldMax;
            }
            if (shutdown)
            {
                return [];
            }
            now = clock.GetUtcNow();
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

        var batches = new List<IBatchContainer>(claimed.Count);
        List<(long, int)>? spent = null;
        foreach (var message in claimed)
        {
            if (message.Attempts >= options.MaxAttempts)
            {
                // Taken again and again without a confirmation or a hand-back: every silo that
                // held it died or could not read it. It goes to the dead letters, not around again.
                (spent ??= []).Add((message.Id, message.Receipt));
                continue;
            }
            EventQueueBatch batch;
            try
            {
                batch = events.Unpack(message, Interlocked.Increment(ref lastToken));
            }
            catch (Exception e)
            {
                // Not held: its claim expires and another silo (a newer version, say) reads it;
                // each expired claim is an attempt spent.
                LogUnreadable(e, queue, message.Id, message.Attempts + 1, options.MaxAttempts);
                continue;
            }
            batches.Add(batch);
            held.Hold(message.Id, message.Receipt, batch.Token!.SequenceNumber);
        }
        if (spent is not null)
        {
            try
            {
                await events.Store.BuryAsync(queue, spent);
                LogBuried(queue, spent.Count, string.Join(", ", spent.Select(s => s.Item1)));
            }
            catch (Exception e)
            {
                // Left claimed: read again after the visibility timeout, and buried then.
                LogBuryFailed(e, queue, spent.Count);
            }
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
        // No longer held whatever happens next: confirmed now, or later (a failed confirmation is
        // tried again), or read again if its visibility runs out first and ignored by the
        // consumers that have it.
        held.Release(delivered);
        await ConfirmAsync(delivered);
    }

    /// <summary>
    /// Deletes delivered messages (those whose receipt is still the one named), with the earlier
    /// confirmations that failed. When this one fails too they are all kept for the next try: a
    /// confirmation that comes late deletes nothing claimed since, as the receipt has changed.
    /// </summary>
    private async Task ConfirmAsync(List<(long Id, int Receipt)> delivered)
    {
        var batch = unconfirmed.TakeWith(delivered);
        if (batch.Count == 0)
        {
            return;
        }
        var confirm = events.Store.ConfirmAsync(queue, batch);
        outstanding = confirm;
        try
        {
            await confirm;
        }
        catch (Exception e)
        {
            unconfirmed.PutBack(batch);
            LogConfirmFailed(e, queue, batch.Count);
        }
        finally
        {
            outstanding = null;
        }
    }

    /// <summary>
    /// A delivery failed at <paramref name="fromToken"/>: the messages this receiver handed to the
    /// agent from that one on, to be handed back to the queue. They are no longer held.
    /// </summary>
    public List<(long Id, int Receipt)> TakeFrom(long fromToken) => held.TakeFrom(fromToken);

    /// <summary>
    /// Waits for the read or confirmation under way, then hands the messages it still holds back
    /// to the queue (visible at once to the silo that takes the queue over, instead of after the
    /// visibility timeout); their consumers ignore what they already had.
    /// </summary>
    public async Task Shutdown(TimeSpan timeout)
    {
        shutdown = true;
        await stopping.CancelAsync();
        if (outstanding is { } task)
        {
            await task.WaitAsync(timeout).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        if (unconfirmed.Count > 0)
        {
            await ConfirmAsync([]).WaitAsync(timeout).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        var left = held.TakeAll();
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
}
