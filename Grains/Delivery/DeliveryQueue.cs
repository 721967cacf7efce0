namespace EventsSubscriptions.Grains.Delivery;

/// <summary>A queued delivery as the sender works on it.</summary>
public sealed class PendingDelivery
{
    public required string EventId { get; init; }
    public required string EventName { get; init; }
    public required string EntityKey { get; init; }
    public required long EntitySequence { get; init; }

    /// <summary>The delivery's position in the outbox (<c>seq</c>) when it was read from there; 0 when it was queued in memory.</summary>
    public long OutboxSeq { get; init; }
    public required string Body { get; init; }

    /// <summary>The W3C trace context of the change that made this delivery (tracing on), continued by each attempt.</summary>
    public string? TraceParent { get; init; }
    public int Attempts { get; set; }
    public DateTimeOffset? NextAttemptOn { get; set; }

    /// <summary>Attempts in a row whose outcome could not be recorded; each waits longer than the last.</summary>
    public int UnrecordedAttempts { get; set; }

    /// <summary>
    /// The answer of an attempt whose record could not be written: the receiver has it, so the next
    /// try writes the record again and does not call again (in memory only: a silo that dies
    /// before the record is written sends the delivery again, at least once).
    /// </summary>
    public AttemptOutcome? UnrecordedOutcome { get; set; }

    /// <summary>
    /// Records of this attempt the database refused for what they held (a data or constraint error,
    /// not an outage). The first refusal drops the receiver's text from the record (once); a record
    /// refused without it holds only what the service wrote itself, which points at the schema, not
    /// at the row: it is tried again, backing off, and never dropped.
    /// </summary>
    public int RecordRefusals { get; set; }

    /// <summary>
    /// What this delivery takes in memory, about: its body as a .NET string (two bytes a character)
    /// and the fixed cost of the object and its strings.
    /// </summary>
    public long MemoryBytes => 2L * (Body.Length + EventId.Length + EventName.Length + EntityKey.Length) + 200;

    /// <summary>5 s after the first unrecorded attempt, doubling up to 5 minutes.</summary>
    public TimeSpan UnrecordedBackOff => TimeSpan.FromSeconds(Math.Min(300, 5 * Math.Pow(2, Math.Min(UnrecordedAttempts, 10) - 1)));
}

/// <summary>
/// The subscription's pending deliveries, one FIFO per entity ordered by the entity's event
/// sequence. An entity whose head is being sent, waits for its attempt to be recorded, or waits for
/// its retry, holds back only itself. A head taken is first <em>calling</em> (its request to the
/// receiver is under way: what <c>maxInFlight</c> bounds), then <em>recording</em> (the answer is
/// in, its record not yet durable) until it is completed or postponed.
/// </summary>
public sealed class DeliveryQueue
{
    // Keyed by entity sequence, then event id: rows an older version queued all carry sequence 0.
    private readonly Dictionary<string, SortedList<(long Sequence, string EventId), PendingDelivery>> byEntity = new(StringComparer.Ordinal);
    private static readonly Comparer<(long Sequence, string EventId)> Order = Comparer<(long Sequence, string EventId)>.Create(
        (a, b) => a.Sequence != b.Sequence ? a.Sequence.CompareTo(b.Sequence) : string.CompareOrdinal(a.EventId, b.EventId));
    private readonly HashSet<string> inFlight = new(StringComparer.Ordinal);
    private readonly HashSet<string> known = new(StringComparer.Ordinal);

    public int Count => known.Count;

    /// <summary>What the queued deliveries take in memory (<see cref="PendingDelivery.MemoryBytes"/> summed).</summary>
    public long Bytes { get; private set; }

    /// <summary>Entities whose head was taken and is not yet completed or postponed (calling or recording).</summary>
    public int InFlight => inFlight.Count;

    /// <summary>Heads whose request to the receiver is under way.</summary>
    public int Calling { get; private set; }

    /// <summary>
    /// How many heads may be taken now: at most <paramref name="maxCalls"/> requests at once, and at
    /// most <paramref name="maxBusy"/> entities calling or waiting for their records.
    /// </summary>
    public int Room(int maxCalls, int maxBusy) => Math.Max(0, Math.Min(maxCalls - Calling, maxBusy - inFlight.Count));

    /// <summary>The request of a taken head is over (answered, failed or timed out): its call slot is free.</summary>
    public void Answered() => Calling = Math.Max(0, Calling - 1);

    /// <summary>Adds a delivery unless it is queued already; false when it was.</summary>
    public bool Add(PendingDelivery delivery)
    {
        if (!known.Add(delivery.EventId))
        {
            return false;
        }
        if (!byEntity.TryGetValue(delivery.EntityKey, out var queue))
        {
            byEntity[delivery.EntityKey] = queue = new(Order);
        }
        queue[(delivery.EntitySequence, delivery.EventId)] = delivery;
        Bytes += delivery.MemoryBytes;
        return true;
    }

    /// <summary>The event ids of the heads taken and not yet completed or postponed (calling, or waiting for their records).</summary>
    public List<string> TakenEventIds() => [.. inFlight.Select(entity => byEntity[entity].Values[0].EventId)];

    /// <summary>Whether a delivery of the entity that comes after <paramref name="sequence"/> in its order is queued.</summary>
    public bool HoldsLater(string entityKey, long sequence) =>
        byEntity.TryGetValue(entityKey, out var queue) && queue.Count > 0 && queue.Keys[^1].Sequence > sequence;

    /// <summary>Heads of entities not in flight whose attempt is due, oldest entity sequence first, at most <paramref name="max"/>.</summary>
    public List<PendingDelivery> TakeDue(DateTimeOffset now, int max)
    {
        var due = new List<PendingDelivery>();
        foreach (var (entity, queue) in byEntity)
        {
            if (due.Count >= max)
            {
                break;
            }
            if (inFlight.Contains(entity) || queue.Count == 0)
            {
                continue;
            }
            var head = queue.Values[0];
            if (head.NextAttemptOn is { } at && at > now)
            {
                continue;
            }
            inFlight.Add(entity);
            Calling++;
            due.Add(head);
        }
        return due;
    }

    /// <summary>Makes a queued delivery due now (it still waits for the deliveries of its entity before it); nothing when it is not queued.</summary>
    public void MakeDue(string eventId)
    {
        if (!known.Contains(eventId))
        {
            return;
        }
        foreach (var queue in byEntity.Values)
        {
            foreach (var delivery in queue.Values)
            {
                if (delivery.EventId == eventId)
                {
                    delivery.NextAttemptOn = null;
                    return;
                }
            }
        }
    }

    /// <summary>
    /// The head was sent for good (or given up on): the entity's next delivery may go. False when the
    /// queue did not hold it (emptied meanwhile): nothing changes then.
    /// </summary>
    public bool Complete(PendingDelivery delivery)
    {
        if (!known.Remove(delivery.EventId))
        {
            return false;
        }
        inFlight.Remove(delivery.EntityKey);
        Bytes -= delivery.MemoryBytes;
        if (byEntity.TryGetValue(delivery.EntityKey, out var queue))
        {
            queue.Remove((delivery.EntitySequence, delivery.EventId));
            if (queue.Count == 0)
            {
                byEntity.Remove(delivery.EntityKey);
            }
        }
        return true;
    }

    /// <summary>The head failed and waits for its retry; it stays first of its entity.</summary>
    public void Postpone(PendingDelivery delivery) => inFlight.Remove(delivery.EntityKey);

    public List<PendingDelivery> DrainAll()
    {
        var all = byEntity.Values.SelectMany(q => q.Values).ToList();
        byEntity.Clear();
        known.Clear();
        inFlight.Clear();
        Calling = 0;
        Bytes = 0;
        return all;
    }
}
