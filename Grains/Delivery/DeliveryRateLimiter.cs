namespace EventsSubscriptions.Grains.Delivery;

/// <summary>
/// <c>delivery.maxPerSecond</c>: a token bucket holding at most one second's worth of calls
/// (at least one), refilled continuously. Without a rate, no limit.
/// </summary>
public sealed class DeliveryRateLimiter
{
    private double tokens;
    private DateTimeOffset refilledOn;

    /// <summary>How many calls may start now.</summary>
    public int Allowance(double? perSecond, DateTimeOffset now)
    {
        if (perSecond is not { } rate)
        {
            return int.MaxValue;
        }
        var capacity = Math.Max(1, rate);
        tokens = refilledOn == default ? capacity : Math.Min(capacity, tokens + (now - refilledOn).TotalSeconds * rate);
        refilledOn = now;
        return Math.Max(0, (int)Math.Floor(tokens));
    }

    /// <summary>A call started.</summary>
    public void Take() => tokens--;
}
