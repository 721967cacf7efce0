using System.Net;

namespace EventsSubscriptions.Grains.Tests.Delivery;

[Trait("Category", "Unit")]
public sealed class RetryScheduleTests
{
    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 300)]
    [InlineData(3, 1800)]
    [InlineData(4, 7200)]
    [InlineData(5, 18000)]
    [InlineData(6, 36000)]
    [InlineData(7, 36000)]
    public void Each_retry_waits_its_delay_within_20_percent(int attemptsMade, int seconds)
    {
        var schedule = RetrySchedule.Default;

        Assert.Equal(TimeSpan.FromSeconds(seconds * 0.8), schedule.NextDelay(attemptsMade, 0.0));
        Assert.Equal(TimeSpan.FromSeconds(seconds), schedule.NextDelay(attemptsMade, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(seconds * 1.2), schedule.NextDelay(attemptsMade, 1.0));
    }

    [Fact]
    public void After_eight_attempts_the_delivery_is_exhausted()
    {
        Assert.Equal(8, RetrySchedule.Default.MaxAttempts);
        Assert.Null(RetrySchedule.Default.NextDelay(8, 0.5));
    }

    [Theory]
    [InlineData("2", 2)]
    [InlineData("0", 1)]
    [InlineData("86400", 3600)]
    public void Retry_after_replaces_the_delay_within_bounds(string header, int seconds)
    {
        var now = DateTimeOffset.UtcNow;
        var asked = RetrySchedule.ParseRetryAfter(header, now);

        Assert.Equal(TimeSpan.FromSeconds(seconds), RetrySchedule.Default.NextDelay(1, 0.5, asked));
    }

    [Fact]
    public void Retry_after_may_be_an_http_date()
    {
        var now = new DateTimeOffset(2026, 11, 28, 22, 0, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromSeconds(90), RetrySchedule.ParseRetryAfter("Sat, 28 Nov 2026 22:01:30 GMT", now));
        Assert.Null(RetrySchedule.ParseRetryAfter("soon", now));
    }

    [Theory]
    [InlineData(200, AttemptResult.Succeeded)]
    [InlineData(204, AttemptResult.Succeeded)]
    [InlineData(301, AttemptResult.Failed)]
    [InlineData(302, AttemptResult.Failed)]
    [InlineData(400, AttemptResult.Failed)]
    [InlineData(410, AttemptResult.Gone)]
    [InlineData(429, AttemptResult.Failed)]
    [InlineData(500, AttemptResult.Failed)]
    public void Answers_are_classified(int status, AttemptResult expected) =>
        Assert.Equal(expected, DeliveryOutcome.Classify((HttpStatusCode)status));

    [Fact]
    public void An_attempt_is_logged_and_its_delivery_moved_by_its_outcome()
    {
        var now = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
        var schedule = RetrySchedule.Default;
        AttemptOutcome Outcome(AttemptResult result, TimeSpan? retryAfter = null) =>
            new(result, 500, TimeSpan.FromMilliseconds(3), null, null, retryAfter);

        Assert.Equal((LogOutcome.Succeeded, DeliveryState.Succeeded, (DateTimeOffset?)null),
            schedule.After(Outcome(AttemptResult.Succeeded), 1, now, 0.5));
        Assert.Equal((LogOutcome.Failed, DeliveryState.Pending, (DateTimeOffset?)null),
            schedule.After(Outcome(AttemptResult.Gone), 1, now, 0.5));
        Assert.Equal((LogOutcome.RetryScheduled, DeliveryState.Pending, (DateTimeOffset?)now.AddSeconds(5)),
            schedule.After(Outcome(AttemptResult.Failed), 1, now, 0.5));
        Assert.Equal((LogOutcome.RetryScheduled, DeliveryState.Pending, (DateTimeOffset?)now.AddSeconds(30)),
            schedule.After(Outcome(AttemptResult.Failed, TimeSpan.FromSeconds(30)), 1, now, 0.5));
        Assert.Equal((LogOutcome.Exhausted, DeliveryState.Exhausted, (DateTimeOffset?)null),
            schedule.After(Outcome(AttemptResult.Failed), schedule.MaxAttempts, now, 0.5));
    }
}
