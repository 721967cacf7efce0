namespace EventsSubscriptions.Grains.Streaming;

/// <summary>
/// Delivered messages whose confirmation failed (the database was unreachable), oldest first:
/// confirmed with the next confirmation or before the next read, so that a database restart does
/// not leave them to be read and routed again once their visibility runs out.
/// </summary>
internal sealed class UnconfirmedDeliveries
{
    /// <summary>Failed confirmations kept at most; older ones are left to their visibility timeout.</summary>
    private const int MaxKept = 100_000;

    private readonly List<(long Id, int Receipt)> messages = [];

    public int Count
    {
        get
        {
            lock (messages)
            {
                return messages.Count;
            }
        }
    }

    /// <summary>Takes every message kept, followed by <paramref name="delivered"/>: the next confirmation's batch.</summary>
    public List<(long Id, int Receipt)> TakeWith(List<(long Id, int Receipt)> delivered)
    {
        lock (messages)
        {
            var batch = messages.Count == 0 ? delivered : [.. messages, .. delivered];
            messages.Clear();
            return batch;
        }
    }

    /// <summary>Keeps a batch whose confirmation failed, ahead of anything kept since, dropping the oldest past the limit.</summary>
    public void PutBack(List<(long Id, int Receipt)> batch)
    {
        lock (messages)
        {
            messages.InsertRange(0, batch);
            if (messages.Count > MaxKept)
            {
                messages.RemoveRange(0, messages.Count - MaxKept);
            }
        }
    }
}
