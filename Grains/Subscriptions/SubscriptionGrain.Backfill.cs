namespace EventsSubscriptions.Grains.Subscriptions;

// The grain's backfill calls; the backfill itself is a SubscriptionBackfill.
public sealed partial class SubscriptionGrain
{
    private bool BackfillRunning => Current.Backfill?.Status == BackfillStatus.Running;

    public async Task<SubscriptionResult> BackfillAsync()
    {
        if (Current.Spec is not { } spec)
        {
            return SubscriptionResult.Fail(SubscriptionOutcome.NotFound, $"no subscription {Id}");
        }
        if (Current.Status == SubscriptionStatus.Archived)
        {
            return NotAllowed("backfill");
        }
        if (BackfillRunning)
        {
            return SubscriptionResult.Fail(SubscriptionOutcome.StatusConflict,
                $"a backfill of subscription {Id} is under way (started {Current.Backfill!.StartedOn:O}); cancel it first");
        }
        await Backfill.BeginAsync(spec);
        return SubscriptionResult.Ok(View());
    }

    public async Task<SubscriptionResult> CancelBackfillAsync()
    {
        if (Current.Spec is null)
        {
            return SubscriptionResult.Fail(SubscriptionOutcome.NotFound, $"no subscription {Id}");
        }
        if (!BackfillRunning)
        {
            return SubscriptionResult.Fail(SubscriptionOutcome.StatusConflict, $"subscription {Id} has no backfill under way");
        }
        await Backfill.FinishAsync(BackfillStatus.Cancelled);
        return SubscriptionResult.Ok(View());
    }
}
