namespace EventsSubscriptions.Grains.Notifications;

/// <summary>Which notice an attempt calls for.</summary>
public enum NoticeKind
{
    None,

    /// <summary>Calls fail: the first notice of a failing period, or the hourly digest while it lasts.</summary>
    Failing,

    /// <summary>A call succeeded after a failing notice went out.</summary>
    Recovered,
}

/// <summary>
/// When a subscription's <c>failureEmail</c> hears of failing calls, apart from the grain: once
/// <see cref="AfterFailures"/> calls in a row have failed (a single failure that its first retry
/// mends says nothing), then at most once every <see cref="Interval"/> while they keep failing (a
/// digest of the failures since the last notice), and once more when a call succeeds again.
/// </summary>
public static class FailureNotices
{
    public const int AfterFailures = 2;

    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <param name="health">The health after the attempt.</param>
    /// <param name="open">Whether a failing notice went out since the last success.</param>
    /// <param name="lastFailingNoticeOn">When the last failing notice went out.</param>
    public static NoticeKind After(SubscriptionHealth health, bool open, DateTimeOffset? lastFailingNoticeOn, DateTimeOffset now)
    {
        if (health.State != HealthState.Failing)
        {
            return open && health.State == HealthState.Healthy ? NoticeKind.Recovered : NoticeKind.None;
        }
        if (health.ConsecutiveFailures < AfterFailures || (lastFailingNoticeOn is { } last && now - last < Interval))
        {
            return NoticeKind.None;
        }
        return NoticeKind.Failing;
    }
}
