using System.Diagnostics.Metrics;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>
/// The service's instruments on a silo (meter <c>EventsSubscriptions.Delivery</c>), exported by
/// OpenTelemetry. Durations are in seconds, with buckets from 1 ms to 10 minutes.
/// </summary>
public sealed class DeliveryMetrics : IDisposable
{
    public const string MeterName = "EventsSubscriptions.Delivery";

    /// <summary>Bucket bounds, in seconds, of every duration histogram: 1 ms to 10 minutes.</summary>
    public static readonly IReadOnlyList<double> SecondsBuckets =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    private readonly Meter meter;
    private readonly Counter<long> attempts;
    private readonly Histogram<double> attemptDuration;
    private readonly Histogram<double> eventToDelivery;
    private readonly UpDownCounter<long> pending;
    private readonly UpDownCounter<long> windowBytes;
    private readonly Counter<long> eventsAccepted;
    private readonly Counter<long> eventsRouted;
    private readonly Histogram<double> routingLag;
    private readonly Counter<long> deliveriesQueued;
    private readonly Counter<long> suspensions;
    private readonly Counter<long> setApart;
    private readonly Counter<long> rejectedItems;
    private readonly Histogram<double> batchWait;
    private readonly Histogram<int> batchSize;
    private readonly Counter<double> routingYielded;

    /// <summary>Bucket bounds of <c>es.batch.size</c>: powers of two up to a batch's most, 512 rows.</summary>
    public static readonly IReadOnlyList<int> BatchSizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

    /// <summary>The label of the tenants past <see cref="DeliverySettings.MetricTenants"/>: no tenant name starts with '_'.</summary>
    public const string OtherTenants = "_other";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> tenantLabels = new(StringComparer.Ordinal);
    private readonly int maxTenantLabels;

    public DeliveryMetrics(IMeterFactory factory, IOptions<DeliverySettings>? settings = null)
    {
        maxTenantLabels = settings?.Value.MetricTenants ?? new DeliverySettings().MetricTenants;
        meter = factory.Create(MeterName);
        var seconds = new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets };
        attempts = meter.CreateCounter<long>("es.delivery.attempts", description: "Delivery attempts by outcome, error kind and tenant");
        attemptDuration = meter.CreateHistogram("es.delivery.attempt.duration", "s", "Duration of one webhook call", advice: seconds);
        eventToDelivery = meter.CreateHistogram("es.delivery.latency", "s", "From the event's acceptance to its successful delivery", advice: seconds);
        pending = meter.CreateUpDownCounter<long>("es.delivery.pending", description: "Deliveries queued and not yet finished (this silo's activations)");
        windowBytes = meter.CreateUpDownCounter<long>("es.delivery.window", "By",
            "Memory the pending deliveries held by this silo's subscription grains take (the rest wait in PostgreSQL)");
        eventsAccepted = meter.CreateCounter<long>("es.events.accepted", description: "Entity events made durable (one per change of an entity), by tenant");
        eventsRouted = meter.CreateCounter<long>("es.events.routed", description: "Entity events a router matched against the subscriptions of their resource");
        routingLag = meter.CreateHistogram("es.events.routing_lag", "s",
            "From the event's acceptance to its routing (the stream's part of es.delivery.latency)", advice: seconds);
        deliveriesQueued = meter.CreateCounter<long>("es.deliveries.queued", description: "Deliveries queued for a subscription (one per matching event and subscription), by tenant");
        suspensions = meter.CreateCounter<long>("es.subscriptions.suspended", description: "Subscriptions suspended by the service (410, or a day of failures), by cause and tenant");
        setApart = meter.CreateCounter<long>("es.routing.dead_letters",
            description: "(event, subscription) pairs kept as routing dead letters because the subscription could not queue the event");
        rejectedItems = meter.CreateCounter<long>("es.batch.items.rejected",
            description: "Items a batched writer left out of its batch because the database refused them (poison rows)");
        batchWait = meter.CreateHistogram("es.batch.wait", "s",
            "From an item's queuing with a batched writer to its batch's commit, by writer (EventQueueStore: an accepted change's wait for durability)",
            advice: seconds);
        routingYielded = meter.CreateCounter<double>("es.routing.yielded", "s",
            "Time reads of the event queue for routing waited for a burst of entity changes to be committed (routing yields to commits)");
        batchSize = meter.CreateHistogram("es.batch.size", "{item}", "Items one round trip of a batched writer carried, by writer",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchSizeBuckets });
    }

    /// <summary>
    /// A tenant's label: its name for the first <see cref="DeliverySettings.MetricTenants"/> tenants this
    /// silo counts, <see cref="OtherTenants"/> for the rest, so that the series a silo exports stay
    /// bounded however many tenants it serves.
    /// </summary>
    public string TenantLabel(string tenant)
    {
        // Read without a lock on every call; taken only to name a tenant not seen yet.
        if (tenantLabels.TryGetValue(tenant, out var label))
        {
            return label;
        }
        lock (tenantLabels)
        {
            if (tenantLabels.TryGetValue(tenant, out label))
            {
                return label;
            }
            if (tenantLabels.Count >= maxTenantLabels)
            {
                return OtherTenants;
            }
            tenantLabels[tenant] = tenant;
            return tenant;
        }
    }

    private KeyValuePair<string, object?> Tenant(string tenant) => new("tenant", TenantLabel(tenant));

    /// <param name="errorKind">none, timeout, connection, dns, ssrf, 3xx, 4xx, 410, 5xx (see <see cref="AttemptOutcome.ErrorKind"/>).</param>
    public void Attempted(string outcome, string errorKind, TimeSpan duration, string tenant)
    {
        attempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("error_kind", errorKind), Tenant(tenant));
        attemptDuration.Record(duration.TotalSeconds);
    }

    public void Delivered(TimeSpan sinceAccepted) => eventToDelivery.Record(sinceAccepted.TotalSeconds);

    public void Pending(long change) => pending.Add(change);

    public void WindowHeld(long bytes) => windowBytes.Add(bytes);

    public void EventAccepted(string tenant) => eventsAccepted.Add(1, Tenant(tenant));

    public void EventRouted(string eventId)
    {
        eventsRouted.Add(1);
        if (EventIds.AcceptedOn(eventId) is { } accepted)
        {
            routingLag.Record(Math.Max(0, (DateTimeOffset.UtcNow - accepted).TotalSeconds));
        }
    }

    public void DeliveryQueued(int count, string tenant) => deliveriesQueued.Add(count, Tenant(tenant));

    public void Suspended(string cause, string tenant) => suspensions.Add(1, new KeyValuePair<string, object?>("cause", cause), Tenant(tenant));

    public void SetApart(int count) => setApart.Add(count);

    public void ItemRejected(string writer) => rejectedItems.Add(1, new KeyValuePair<string, object?>("writer", writer));

    /// <summary>A batched writer's round trip committed this many rows.</summary>
    public void BatchWritten(string writer, int rows) => batchSize.Record(rows, new KeyValuePair<string, object?>("writer", writer));

    /// <summary>A row waited this long from its queuing with a batched writer to its batch's commit.</summary>
    public void Waited(string writer, TimeSpan wait) => batchWait.Record(wait.TotalSeconds, new KeyValuePair<string, object?>("writer", writer));

    public void RoutingYielded(TimeSpan waited) => routingYielded.Add(waited.TotalSeconds);

    public void Dispose() => meter.Dispose();
}
