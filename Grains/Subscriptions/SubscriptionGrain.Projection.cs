using EventsSubscriptions.Grains.Interfaces.Tenants;

namespace EventsSubscriptions.Grains.Subscriptions;

// Projection: after its state is saved, the subscription brings the listing read model and its
// resource's index (which the routers read) in step, and records the version it projected.
public sealed partial class SubscriptionGrain
{
    private async Task SaveAndProjectAsync()
    {
        await state.WriteStateAsync();
        await ProjectAsync();
    }

    private async Task ProjectAsync()
    {
        var spec = Current.Spec!;
        await readModel.UpsertAsync(View());
        if (Current.IndexedResource is { } old && old != spec.Resource)
        {
            await Index(old).RemoveAsync(Id);
        }
        if (Current.Status == SubscriptionStatus.Archived)
        {
            await Index(spec.Resource).RemoveAsync(Id);
            Current.IndexedResource = null;
        }
        else
        {
            await Index(spec.Resource).UpsertAsync(SubscriptionRoute.From(Id, spec, Current.Status));
            Current.IndexedResource = spec.Resource;
        }
        Current.ProjectedVersion = Current.Version;
        await state.WriteStateAsync();
    }

    private SubscriptionView View() => new()
    {
        Id = Id,
        Spec = Current.Spec!,
        Status = Current.Status,
        StatusReason = Current.StatusReason,
        LastTriggeredOn = Sender.LastTriggeredOn,
        CreatedOn = Current.CreatedOn,
        UpdatedOn = Current.UpdatedOn,
        Health = Sender.Health.Current with { PendingDeliveries = Sender.Pending },
        Version = Current.Version,
        Tenant = Current.Tenant,
        CreatedBy = Current.CreatedBy,
        Backfill = Current.Backfill,
    };

    private ISubscriptionIndexGrain Index(string resource) => GrainFactory.GetGrain<ISubscriptionIndexGrain>(Tenants.Qualify(Tenant, resource));
}
