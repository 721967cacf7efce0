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
/// <para>Per-entity order: a read takes the outbox's next rows and also every pending row further on
/// of the same entities with a lower entity sequence; a delivery queued late for an entity whose
/// newer change is held is held too. So an entity's head in memory is always its oldest pending delivery.</para>
/// <para>A read runs while deliveries are queued and settled: a delivery settled meanwhile is not
/// taken back from the read's older snapshot (and the window reads that part again, in case it was
/// made pending again); a delivery queued meanwhile keeps the window from counting as complete; a
/// read overtaken by <see cref="ReadFromStart"/> or <see cref="Release"/> is dropped whole.</para>
/// <para>A row committed before its write returns (another batch of the same write still under way)
/// may be read, sent and settled before it is offered: noted as <see cref="Writing"/>, it is not
/// held again when offered.</para>
/// </remarks>
public sealed class DeliveryWindow(DeliveryWindowLimits limits, DeliveryWindows silo)
{
    private long cursor;
    private bool complete;
    private int generation;
    private int leftOnDisk;
    private Read? reading;

    /// <summary>Event ids whose outbox rows are being written, and whether a read took them meanwhile.</summary>
    private readonly Dictionary<string, bool> writing = new(StringComparer.Ordinal);

    /// <summary>What the window noted while a read was under way.</summary>
    private sealed class Read(WindowRead request, int generation, int leftOnDisk)
    {
        public WindowRead Request { get; } = request;
        public int Generation { get; } = generation;
        public int LeftOnDisk { get; } = leftOnDisk;
        public HashSet<string> Settled { get; } = new(StringComparer.Ordinal);
        public List<PendingDelivery> Offered { get; } = [];
    }

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
        generation++;
    }

    /// <summary>
    /// Notes rows whose outbox write starts (before it is awaited); returns those noted here (not by
    /// a write of the same events still under way), for <see cref="Written"/>.
    /// </summary>
    public List<string> Writing(IEnumerable<string> eventIds) => [.. eventIds.Where(id => writing.TryAdd(id, false))];

    /// <summary>The writes of these rows ended (their deliveries offered, or not queued).</summary>
    public void Written(IEnumerable<string> eventIds)
    {
        foreach (var id in eventIds)
        {
            writing.Remove(id);
        }
    }

    /// <summary>
    /// A delivery just queued in the outbox: held when the window holds every pending delivery and
    /// has room for it, or when it comes before one held of its entity (an older change queued
    /// late: it must go first, whatever the room); otherwise it waits on disk and a later read
    /// takes it. False when it is not held.
    /// </summary>
    public bool Offer(PendingDelivery delivery)
    {
        if (writing.TryGetValue(delivery.EventId, out var read) && read)
        {
            // A read took its row already: held from there, or settled (a second copy would be sent again).
            return false;
        }
        if (Queue.HoldsLater(delivery.EntityKey, delivery.EntitySequence)
            || (complete && reading is null && Fits(delivery.MemoryBytes)))
        {
            Hold(delivery);
            return true;
        }
        complete = false;
        leftOnDisk++;
        // The read under way may bring a newer change of its entity: it is held then.
        reading?.Offered.Add(delivery);
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
        if (Queue.Count > 0 && (count < limits.Deliveries / 4 || bytes < limits.Bytes / 4))
        {
            // Not before a quarter of the window is free: reads come in pages, not a row at a time
            // as each delivery is settled.
            return null;
        }
        // Characters: a body's string takes two bytes a character.
        var request = new WindowRead(cursor, count, Math.Max(1, bytes / 2));
        reading = new Read(request, generation, leftOnDisk);
        return request;
    }

    /// <summary>
    /// Joins a read's rows to the window. True when the read started at the outbox's beginning and
    /// showed that the window now holds every pending delivery: its count is then the subscription's.
    /// </summary>
    public bool EndRead(WindowPage page)
    {
        var read = reading ?? throw new InvalidOperationException("no read of the window is under way");
        reading = null;
        foreach (var delivery in page.Deliveries)
        {
            if (writing.ContainsKey(delivery.EventId))
            {
                writing[delivery.EventId] = true;
            }
        }
        if (read.Generation != generation)
        {
            // Overtaken (replayed deliveries, or the window released): its snapshot is not trusted.
            return false;
        }
        var skippedFrom = long.MaxValue;
        foreach (var delivery in page.Deliveries)
        {
            if (read.Settled.Contains(delivery.EventId))
            {
                skippedFrom = Math.Min(skippedFrom, delivery.OutboxSeq);
                continue;
            }
            Hold(delivery);
        }
        foreach (var delivery in read.Offered)
        {
            if (Queue.HoldsLater(delivery.EntityKey, delivery.EntitySequence))
            {
                Hold(delivery);
            }
        }
        if (skippedFrom != long.MaxValue)
        {
            // A delivery settled while the read ran: stale in its snapshot, or made pending again
            // since. The next read starts just before it and finds out.
            cursor = Math.Max(read.Request.AfterSeq, Math.Min(page.LastSeq, skippedFrom - 1));
            complete = false;
            return false;
        }
        cursor = Math.Max(cursor, page.LastSeq);
        // Complete only if nothing was left on disk meanwhile: a delivery queued during the read
        // may not be in its snapshot.
        complete = !page.More && leftOnDisk == read.LeftOnDisk;
        return complete && read.Request.AfterSeq == 0;
    }

    /// <summary>A read failed: the window is as it was, and the next tick reads again.</summary>
    public void AbandonRead() => reading = null;

    /// <summary>The delivery was sent for good, given up on or cancelled: its memory goes back to the silo. False when the window did not hold it.</summary>
    public bool Settle(PendingDelivery delivery)
    {
        var before = Queue.Bytes;
        var held = Queue.Complete(delivery);
        silo.Give(before - Queue.Bytes);
        reading?.Settled.Add(delivery.EventId);
        return held;
    }

    /// <summary>Empties the window (archive, deactivation): every byte goes back to the silo, and a read under way is dropped when it ends.</summary>
    public void Release()
    {
        var bytes = Queue.Bytes;
        Queue.DrainAll();
        silo.Give(bytes);
        cursor = 0;
        complete = false;
        generation++;
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
