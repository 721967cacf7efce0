namespace EventsSubscriptions.Grains.Tests.Delivery;

[Trait("Category", "Unit")]
public sealed class HealthPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Day = TimeSpan.FromHours(24);
    private static readonly AttemptOutcome Ok = new(AttemptResult.Succeeded, 200, TimeSpan.FromMilliseconds(5), null, null, null);
    private static readonly AttemptOutcome Busy = new(AttemptResult.Failed, 503, TimeSpan.FromMilliseconds(5), "the receiver answered 503", null, null);
    private static readonly AttemptOutcome Gone = new(AttemptResult.Gone, 410, TimeSpan.FromMilliseconds(5), "the receiver answered 410", null, null);

    [Fact]
    public void A_first_failure_makes_it_failing_saves_and_does_not_suspend()
    {
        var decision = HealthPolicy.After(SubscriptionHealth.None, SubscriptionHealth.None, null, Busy, Now, Now, Day);

        Assert.Equal((HealthState.Failing, 1, (DateTimeOffset?)Now, "the receiver answered 503"),
            (decision.Health.State, decision.Health.ConsecutiveFailures, decision.Health.LastFailureOn, decision.Health.LastError));
        Assert.Equal((Now, true, (string?)null), (decision.FailingSince, decision.Save, decision.SuspendReason));
    }

    [Fact]
    public void Failures_keep_counting_and_are_saved_at_most_every_interval()
    {
        var failing = new SubscriptionHealth(HealthState.Failing, 3, null, Now.AddMinutes(-1), "x", 0);

        var soon = HealthPolicy.After(failing, failing, Now.AddHours(-1), Busy, Now, Now.AddSeconds(-10), Day);
        var later = HealthPolicy.After(failing, failing, Now.AddHours(-1), Busy, Now, Now.AddSeconds(-31), Day);

        Assert.Equal((4, false, (DateTimeOffset?)Now.AddHours(-1)), (soon.Health.ConsecutiveFailures, soon.Save, soon.FailingSince));
        Assert.True(later.Save);
    }

    [Fact]
    public void A_day_of_failures_suspends_naming_since_when()
    {
        var failing = new SubscriptionHealth(HealthState.Failing, 30, null, Now.AddMinutes(-1), "x", 0);

        var decision = HealthPolicy.After(failing, failing, Now.AddHours(-24), Busy, Now, Now, Day);

        Assert.True(decision.Save);
        Assert.Equal($"every delivery failed since {Now.AddHours(-24):yyyy-MM-ddTHH:mm:ssZ}", decision.SuspendReason);
        Assert.Null(HealthPolicy.After(failing, failing, Now.AddHours(-23), Busy, Now, Now, Day).SuspendReason);
    }

    [Fact]
    public void A_410_suspends_at_once()
    {
        var decision = HealthPolicy.After(SubscriptionHealth.None, SubscriptionHealth.None, null, Gone, Now, Now, Day);

        Assert.StartsWith("the receiver answered 410 Gone", decision.SuspendReason);
    }

    [Fact]
    public void A_success_resets_the_failures_keeps_the_last_error_and_saves_the_change_of_state()
    {
        var failing = new SubscriptionHealth(HealthState.Failing, 5, null, Now.AddMinutes(-1), "x", 0);

        var decision = HealthPolicy.After(failing, failing, Now.AddHours(-1), Ok, Now, Now, Day);
        var steady = HealthPolicy.After(decision.Health, decision.Health, null, Ok, Now.AddSeconds(1), Now, Day);

        Assert.Equal((HealthState.Healthy, 0, (DateTimeOffset?)Now, "x"),
            (decision.Health.State, decision.Health.ConsecutiveFailures, decision.Health.LastSuccessOn, decision.Health.LastError));
        Assert.Equal((true, (DateTimeOffset?)null), (decision.Save, decision.FailingSince));
        Assert.False(steady.Save);
    }
}

[Trait("Category", "Unit")]
public sealed class DeliveryRateLimiterTests
{
    [Fact]
    public void Without_a_rate_there_is_no_limit()
    {
        Assert.Equal(int.MaxValue, new DeliveryRateLimiter().Allowance(null, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void A_burst_of_one_second_then_the_rate()
    {
        var limiter = new DeliveryRateLimiter();
        var start = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(2, limiter.Allowance(2, start));
        limiter.Take();
        limiter.Take();
        Assert.Equal(0, limiter.Allowance(2, start.AddMilliseconds(400)));
        Assert.Equal(1, limiter.Allowance(2, start.AddMilliseconds(600)));
        Assert.Equal(2, limiter.Allowance(2, start.AddSeconds(10)));
    }

    [Fact]
    public void A_rate_below_one_still_allows_one_call_at_a_time()
    {
        var limiter = new DeliveryRateLimiter();
        var start = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(1, limiter.Allowance(0.5, start));
        limiter.Take();
        Assert.Equal(0, limiter.Allowance(0.5, start.AddSeconds(1)));
        Assert.Equal(1, limiter.Allowance(0.5, start.AddSeconds(2)));
    }
}
