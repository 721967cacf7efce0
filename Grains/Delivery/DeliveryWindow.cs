namespace EventsSubscriptions.Grains.Delivery;

/// <summary>How much of its pending deliveries one subscription grain may hold in memory.</summary>
public sealed record DeliveryWindowLimits(int Deliveries, long Bytes);

/// <summary>What a read of the outbox into a window asks for: pending rows after <paramref name="AfterSeq"/>, in outbox order.</summary>
public sealed record WindowRead(long AfterSeq, int Deliveries, long Characters);

/// <summary>
/// What a read found: the rows taken (and, ahead of them in their entities' order, pending rows
/// further on in the outbox), the outbox position of the last row taken, and whether pending rows
/// after it were left on disk.
/// </summary>
public sealed record WindowPage(IReadOnlyList<PendingDelivery> Deliveries, long LastSeq, bool More);

/// <summary>
/// The part of one subscription's pending deliveries that its grain holds in memory: at most a
/// count and a byte budget of its own, and no more than the silo's windows have left
/// (<see cref="DeliveryWindows"/>). What does not fit waits in the outbox and is read in outbox
/// order (<c>seq</c>) as the window empties; a window that holds every pending delivery takes new
/// ones directly, without a read. A window always takes at least one delivery when it is empty, so
/// a subscription never stops for lack of memory.
/// </summary>
/// <remarks>
/// Per-entity order: a read takes the outbox's next rows and also every pending row further on of
/// the same entities with a lower entity sequence, so an entity's head in memory is always its
/// oldest pending delivery. Deliveries settled while a read is under way are not taken back from
/// that read's (older) snapshot.
/// </remarks>
public sealed class DeliveryWindow(DeliveryWindowLimits limits, DeliveryWindows silo)
{
    private long cursor;
    private bool complete;
    private int leftOnDisk;
    private WindowRead? reading;
    private int leftOnDiskAtRead;
    private HashSet<string>? settledDuringRead;

    public DeliveryQueue Queue { get; } = new();

    /// <summary>Every pending delivery of the subscription is in memory: new ones join the window directly.</summary>
    public bool Complete => complete;

    /// <summary>The subscription has no pending delivery: the (empty) window holds them all.</summary>
    public void StartEmpty()
    {
        if (Queue.Count == 0 && reading is null)
        {
            complete = true;
        }
    }

    /// <summary>
    /// Finished deliveries were made pending again (replay, retry of one): they sit anywhere in the
    /// outbox, so the next reads start from its beginning (what is held already is not taken twice).
    /// </summary>
    public void ReadFromStart()
    {
        cursor = 0;
        complete = false;
        leftOnDisk++;
    }

    /// <summary>
    /// A delivery just queued in the outbox: held when the window holds every pending delivery and
    /// has room for it, or when it comes before one held of its entity (an older change queued
    /// late: it must go first, whatever the room); otherwise it waits on disk and a later read
    /// takes it. False when it is not held.
    /// </summary>
    public bool Offer(PendingDelivery delivery)
    {
        if (Queue.HoldsLater(delivery.EntityKey, delivery.EntitySequence))
        {
            Hold(delivery);
            return true;
        }
        if (complete && reading is null && Fits(delivery.MemoryBytes))
        {
            Hold(delivery);
            return true;
        }
        complete = false;
        leftOnDisk++;
        return false;
    }

    /// <summary>The next read of the outbox, when the window has room and deliveries wait on disk; null otherwise.</summary>
    public WindowRead? BeginRead()
    {
        if (complete || reading is not null)
        {
            return null;
        }
        var count = limits.Deliveries - Queue.Count;
        var bytes = Math.Min(limits.Bytes - Queue.Bytes, silo.Available);
        if (Queue.Count == 0)
        {
            // Always one at least: a subscription never stops for lack of memory.
            count = Math.Max(count, 1);
            bytes = Math.Max(bytes, 1);
        }
        if (count <= 0 || bytes <= 0)
        {
            return null;
        }
        leftOnDiskAtRead = leftOnDisk;
        settledDuringRead = new HashSet<string>(StringComparer.Ordinal);
        // Characters: a body's string takes two bytes a character.
        return reading = new WindowRead(cursor, count, Math.Max(1, bytes / 2));
    }

    /// <summary>
    /// Joins a read's rows to the window. True when the read started at the outbox's beginning and
    /// showed that the window now holds every pending delivery: its count is then the subscription's.
    /// </summary>
    public bool EndRead(WindowPage page)
    {
        var read = reading ?? throw new InvalidOperationException("no read of the window is under way");
        foreach (var delivery in page.Deliveries)
        {
            if (!settledDuringRead!.Contains(delivery.EventId))
            {
                Hold(delivery);
            }
        }
        cursor = Math.Max(cursor, page.LastSeq);
        // Complete only if nothing was left on disk meanwhile: a delivery queued during the read
        // may not be in its snapshot.
        complete = !page.More && leftOnDisk == leftOnDiskAtRead;
        reading = null;
        settledDuringRead = null;
        return complete && read.AfterSeq == 0;
    }

    /// <summary>A read failed: the window is as it was, and the next tick reads again.</summary>
    public void AbandonRead()
    {
        reading = null;
        settledDuringRead = null;
    }

    /// <summary>The delivery was sent for good, given up on or cancelled: its memory goes back to the silo.</summary>
    public void Settle(PendingDelivery delivery)
    {
        var before = Queue.Bytes;
        Queue.Complete(delivery);
        silo.Give(before - Queue.Bytes);
        settledDuringRead?.Add(delivery.EventId);
    }

    /// <summary>Empties the window (archive, deactivation): every byte goes back to the silo.</summary>
    public List<PendingDelivery> Release()
    {
        var bytes = Queue.Bytes;
        var all = Queue.DrainAll();
        silo.Give(bytes);
        cursor = 0;
        complete = false;
        return all;
    }

    private bool Fits(long bytes) =>
        Queue.Count == 0
        || (Queue.Count < limits.Deliveries && Queue.Bytes + bytes <= limits.Bytes && silo.Available >= bytes);

    private void Hold(PendingDelivery delivery)
    {
        if (Queue.Add(delivery))
        {
            silo.Take(delivery.MemoryBytes);
        }
    }
}
