using System.Diagnostics.Metrics;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>The delivery instruments of a silo (meter <c>EventsSubscriptions.Delivery</c>), exported by OpenTelemetry.</summary>
public sealed class DeliveryMetrics : IDisposable
{
    public const string MeterName = "EventsSubscriptions.Delivery";

    private readonly Meter meter;
    private readonly Counter<long> attempts;
    private readonly Histogram<double> attemptDuration;
    private readonly Histogram<double> eventToDelivery;
    private readonly UpDownCounter<long> pending;

    public DeliveryMetrics(IMeterFactory factory)
    {
        meter = factory.Create(MeterName);
        attempts = meter.CreateCounter<long>("es.delivery.attempts", description: "Delivery attempts by outcome");
        attemptDuration = meter.CreateHistogram<double>("es.delivery.attempt.duration", "s", "Duration of one webhook call");
        eventToDelivery = meter.CreateHistogram<double>("es.delivery.latency", "s", "From the event's acceptance to its successful delivery");
        pending = meter.CreateUpDownCounter<long>("es.delivery.pending", description: "Deliveries queued and not yet finished (this silo's activations)");
    }

    public void Attempted(string outcome, TimeSpan duration)
    {
        attempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        attemptDuration.Record(duration.TotalSeconds);
    }

    public void Delivered(TimeSpan sinceAccepted) => eventToDelivery.Record(sinceAccepted.TotalSeconds);

    public void Pending(long change) => pending.Add(change);

    public void Dispose() => meter.Dispose();
}
