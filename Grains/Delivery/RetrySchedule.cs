namespace EventsSubscriptions.Grains.Delivery;

/// <summary>
/// When a failed delivery is tried again: after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, each
/// ±20 % at random (so that deliveries failed together do not retry together); then it is exhausted.
/// A receiver's <c>Retry-After</c> (429, 503) replaces the delay, within bounds.
/// </summary>
public sealed class RetrySchedule(IReadOnlyList<TimeSpan> delays, double jitter = 0.2)
{
    public static RetrySchedule Default { get; } = new(
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ]);

    public static TimeSpan MinRetryAfter { get; } = TimeSpan.FromSeconds(1);

    public static TimeSpan MaxRetryAfter { get; } = TimeSpan.FromHours(1);

    /// <summary>Attempts in all: the first, then one per delay.</summary>
    public int MaxAttempts => delays.Count + 1;

    /// <summary>
    /// The wait before the next attempt after <paramref name="attemptsMade"/> attempts failed, or null when
    /// the delivery is exhausted. <paramref name="unit"/> is a uniform random number in [0, 1).
    /// </summary>
    public TimeSpan? NextDelay(int attemptsMade, double unit, TimeSpan? retryAfter = null)
    {
        if (attemptsMade < 1 || attemptsMade > delays.Count)
        {
            return null;
        }
        if (retryAfter is { } asked)
        {
            return asked < MinRetryAfter ? MinRetryAfter : asked > MaxRetryAfter ? MaxRetryAfter : asked;
        }
        var factor = 1 + jitter * (2 * unit - 1);
        return TimeSpan.FromTicks((long)(delays[attemptsMade - 1].Ticks * factor));
    }

    /// <summary>
    /// What attempt number <paramref name="attempt"/> of a delivery comes to: how it is logged, the
    /// delivery's new state, and when it is tried again. A 410 keeps the delivery pending (the
    /// subscription is suspended; enable sends it). <paramref name="unit"/> is a uniform random number in [0, 1).
    /// </summary>
    public (LogOutcome Logged, DeliveryState State, DateTimeOffset? NextAttemptOn) After(
        AttemptOutcome outcome, int attempt, DateTimeOffset now, double unit) => outcome.Result switch
    {
        AttemptResult.Succeeded => (LogOutcome.Succeeded, DeliveryState.Succeeded, null),
        AttemptResult.Gone => (LogOutcome.Failed, DeliveryState.Pending, null),
        _ => NextDelay(attempt, unit, outcome.RetryAfter) is { } delay
            ? (LogOutcome.RetryScheduled, DeliveryState.Pending, now + delay)
            : (LogOutcome.Exhausted, DeliveryState.Exhausted, null),
    };

    /// <summary>Reads a <c>Retry-After</c> header: seconds, or an HTTP date.</summary>
    public static TimeSpan? ParseRetryAfter(string? header, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }
        if (int.TryParse(header.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }
        return DateTimeOffset.TryParse(header, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var when) && when > now
            ? when - now
            : null;
    }
}
