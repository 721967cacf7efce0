namespace EventsSubscriptions.Grains.Delivery;

/// <summary>
/// The silo's share of memory for pending deliveries: every subscription grain's window takes its
/// bytes from here and gives them back as its deliveries finish, or when it deactivates.
/// </summary>
public sealed class DeliveryWindows(IOptions<DeliverySettings> settings, DeliveryMetrics metrics)
{
    private long held;

    /// <summary>What the windows of this silo's subscription grains hold now, in bytes.</summary>
    public long Held => Interlocked.Read(ref held);

    /// <summary>What the silo's windows may still take, in bytes (zero or less when spent).</summary>
    public long Available => settings.Value.SiloWindowMegabytes * 1024L * 1024L - Held;

    /// <summary>A new, empty window for one subscription grain, with the configured limits.</summary>
    public DeliveryWindow Create() => new(
        new DeliveryWindowLimits(settings.Value.WindowDeliveries, settings.Value.WindowKilobytes * 1024L), this);

    internal void Take(long bytes)
    {
        Interlocked.Add(ref held, bytes);
        metrics.WindowHeld(bytes);
    }

    internal void Give(long bytes)
    {
        Interlocked.Add(ref held, -bytes);
        metrics.WindowHeld(-bytes);
    }
}
