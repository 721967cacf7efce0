namespace EventsSubscriptions.Grains.Streaming;

// What each read does besides reading: keeping the held messages invisible, forgetting old dead letters.
public sealed partial class EventQueueReceiver
{
    private static readonly TimeSpan DeadLetterSweep = TimeSpan.FromMinutes(5);
    private DateTimeOffset nextSweep;

    /// <summary>Every third of the visibility timeout, the messages still held stay invisible for another one.</summary>
    private async Task ExtendHeldAsync(DateTimeOffset now)
    {
        if (now < nextExtension)
        {
            return;
        }
        nextExtension = now + options.VisibilityTimeout / 3;
        var holding = held.Snapshot();
        if (holding.Count == 0)
        {
            return;
        }
        try
        {
            await events.Store.ExtendAsync(queue, holding, options.VisibilityTimeout);
        }
        catch (Exception e)
        {
            // Tried again at the next read; at worst a message is read again and delivered twice.
            LogExtendFailed(e, queue, holding.Count);
        }
    }

    private async Task SweepDeadLettersAsync(DateTimeOffset now)
    {
        if (now < nextSweep)
        {
            return;
        }
        nextSweep = now + DeadLetterSweep;
        try
        {
            await events.Store.ForgetDeadLettersAsync(queue, options.DeadLetterRetention);
        }
        catch (Exception e)
        {
            LogSweepFailed(e, queue);
        }
    }
}
