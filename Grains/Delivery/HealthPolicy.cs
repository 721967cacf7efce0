namespace EventsSubscriptions.Grains.Delivery;

/// <summary>What to do after an attempt: the new health, whether to save it now, and whether (and why) to suspend.</summary>
public sealed record HealthDecision(SubscriptionHealth Health, DateTimeOffset? FailingSince, bool Save, string? SuspendReason);

/// <summary>
/// The health rules of a subscription, apart from the grain: a success makes it HEALTHY and resets
/// the failures; a failure makes it FAILING and counts; a 410 suspends at once; failing without a
/// single success for <c>suspendAfter</c> suspends. Health is saved on each change of state, and at
/// most every <see cref="SaveInterval"/> while the counters change (a restart resumes from there).
/// </summary>
public static class HealthPolicy
{
    public static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(30);

    public static HealthDecision After(SubscriptionHealth health, SubscriptionHealth saved, DateTimeOffset? failingSince,
        AttemptOutcome outcome, DateTimeOffset now, DateTimeOffset lastSavedOn, TimeSpan suspendAfter)
    {
        var wasFailing = health.State == HealthState.Failing;
        if (outcome.Result == AttemptResult.Succeeded)
        {
            var healthy = health with { State = HealthState.Healthy, ConsecutiveFailures = 0, LastSuccessOn = now };
            return new HealthDecision(healthy, null,
                Save: wasFailing || saved.State != HealthState.Healthy || now - lastSavedOn >= SaveInterval, SuspendReason: null);
        }
        var failing = health with
        {
            State = HealthState.Failing,
            ConsecutiveFailures = health.ConsecutiveFailures + 1,
            LastFailureOn = now,
            LastError = outcome.Error,
        };
        var since = wasFailing ? failingSince ?? now : now;
        string? reason = null;
        if (outcome.Result == AttemptResult.Gone)
        {
            reason = $"the receiver answered 410 Gone on {now:yyyy-MM-ddTHH:mm:ssZ}";
        }
        else if (now - since >= suspendAfter)
        {
            reason = $"every delivery failed since {since:yyyy-MM-ddTHH:mm:ssZ}";
        }
        return new HealthDecision(failing, since, Save: !wasFailing || reason is not null || now - lastSavedOn >= SaveInterval, reason);
    }
}
