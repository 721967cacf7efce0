using EventsSubscriptions.Grains.Interfaces.Tenants;

namespace EventsSubscriptions.Grains.Subscriptions;

// The subscription's customId, unique within its tenant: claimed from its CustomIdGrain before the
// state that names it is saved, released once the state no longer does.
public sealed partial class SubscriptionGrain
{
    /// <param name="key">The custom id's key (<see cref="Tenants.CustomIdKey"/>), as the claim grain is keyed.</param>
    public Task<bool> HoldsCustomIdAsync(string key) =>
        Task.FromResult((claiming is { } claimed && Tenants.CustomIdKey(Tenant, claimed) == key)
            || (Current.Spec is not null && Current.Status != SubscriptionStatus.Archived && Tenants.CustomIdKey(Tenant, Current.Spec.CustomId) == key));

    private async Task<bool> ClaimAsync(string customId)
    {
        claiming = customId;
        if (await CustomId(customId).ClaimAsync(Id))
        {
            return true;
        }
        claiming = null;
        return false;
    }

    private ICustomIdGrain CustomId(string customId) => GrainFactory.GetGrain<ICustomIdGrain>(Tenants.CustomIdKey(Tenant, customId));
}
