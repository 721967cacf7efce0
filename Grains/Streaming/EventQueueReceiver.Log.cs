namespace EventsSubscriptions.Grains.Streaming;

// The receiver's log messages.
public sealed partial class EventQueueReceiver
{
    [LoggerMessage(1, LogLevel.Warning, "Event queue {Queue}: reading messages failed")]
    private partial void LogClaimFailed(Exception exception, int queue);

    [LoggerMessage(2, LogLevel.Error, "Event queue {Queue}: message {MessageId} cannot be read here (attempt {Attempt} of {MaxAttempts}); it is left to be read again")]
    private partial void LogUnreadable(Exception exception, int queue, long messageId, int attempt, int maxAttempts);

    [LoggerMessage(3, LogLevel.Error, "Event queue {Queue}: {Count} message(s) whose attempts were spent moved to event_queue_dead_letter: {Ids}")]
    private partial void LogBuried(int queue, int count, string ids);

    [LoggerMessage(4, LogLevel.Warning, "Event queue {Queue}: confirming {Count} delivered message(s) failed; tried again with the next confirmation or read (they are read again if their visibility runs out first)")]
    private partial void LogConfirmFailed(Exception exception, int queue, int count);

    [LoggerMessage(5, LogLevel.Warning, "Event queue {Queue}: handing back {Count} message(s) at shutdown failed; they are read again after the visibility timeout")]
    private partial void LogReleaseFailed(Exception exception, int queue, int count);

    [LoggerMessage(6, LogLevel.Warning, "Event queue {Queue}: moving {Count} spent message(s) to the dead letters failed; tried again when they are read again")]
    private partial void LogBuryFailed(Exception exception, int queue, int count);

    [LoggerMessage(7, LogLevel.Warning, "Event queue {Queue}: extending the visibility of {Count} held message(s) failed")]
    private partial void LogExtendFailed(Exception exception, int queue, int count);

    [LoggerMessage(8, LogLevel.Warning, "Event queue {Queue}: forgetting old dead letters failed")]
    private partial void LogSweepFailed(Exception exception, int queue);

    [LoggerMessage(9, LogLevel.Information, "Event queue {Queue}: taken over with {Count} message(s) its previous owner held; read again from the oldest")]
    private partial void LogTookOver(int queue, int count);

    [LoggerMessage(10, LogLevel.Warning, "Event queue {Queue}: taking over the previous owner's claims failed; they are read again after the visibility timeout")]
    private partial void LogTakeOverFailed(Exception exception, int queue);
}
