namespace EventsSubscriptions.Grains.Subscriptions;

[GenerateSerializer, Alias("es.CustomIdState")]
public sealed class CustomIdState
{
    [Id(0)] public long? HolderId { get; set; }
}

/// <summary>
/// Serializes the claims of one custom id. A claim held by a subscription that no longer holds
/// it (archived, renamed, or never created because a crash cut its creation short) is stale and
/// passes to the new claimant.
/// </summary>
public sealed class CustomIdGrain(
    [PersistentState("custom-id")] IPersistentState<CustomIdState> state) : Grain, ICustomIdGrain
{
    public async Task<bool> ClaimAsync(long subscriptionId)
    {
        if (state.State.HolderId is { } holder && holder != subscriptionId
            && await GrainFactory.GetGrain<ISubscriptionGrain>(holder).HoldsCustomIdAsync(this.GetPrimaryKeyString()))
        {
            return false;
        }
        if (state.State.HolderId != subscriptionId)
        {
            state.State.HolderId = subscriptionId;
            await state.WriteStateAsync();
        }
        return true;
    }

    public async Task ReleaseAsync(long subscriptionId)
    {
        if (state.State.HolderId == subscriptionId)
        {
            state.State.HolderId = null;
            await state.WriteStateAsync();
        }
    }
}
