using EventsSubscriptions.Grains.Interfaces.Tenants;

namespace EventsSubscriptions.Grains.Hosting;

/// <summary>
/// Refuses, before it runs, any call that a gateway request of one tenant makes to a grain owned by
/// another (<see cref="ITenantOwned"/>): one check for every method, present and future, instead
/// of one per method that could be forgotten. Calls that come from no request (routing, reminders)
/// carry no tenant and pass.
/// </summary>
public sealed class TenantGuardFilter : IIncomingGrainCallFilter
{
    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.TargetContext.GrainInstance is ITenantOwned { OwnerTenant: { } owner }
            && Tenants.OfRequest is { } caller && caller != owner)
        {
            throw new OtherTenantException();
        }
        return context.Invoke();
    }
}
