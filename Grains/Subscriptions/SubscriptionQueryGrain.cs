using EventsSubscriptions.Grains.Persistence;
using Orleans.Concurrency;

namespace EventsSubscriptions.Grains.Subscriptions;

[StatelessWorker]
public sealed class SubscriptionQueryGrain(SubscriptionReadModel readModel, DeliveryStore deliveries)
    : Grain, ISubscriptionQueryGrain
{
    public Task<SubscriptionPage> ListAsync(string tenant, SubscriptionListQuery query) => readModel.ListAsync(tenant, query);

    public Task<long> CountLiveByCallerAsync(string tenant, string caller) => readModel.CountLiveByCallerAsync(tenant, caller);

    public Task<long> CountLiveOfTenantAsync(string tenant) => readModel.CountLiveOfTenantAsync(tenant);

    public Task<DeliveryPage> DeliveriesAsync(long subscriptionId, string? state, int limit, int offset) =>
        deliveries.ListAsync(subscriptionId, state, limit, offset);

    public Task<DeliveryRecord?> DeliveryAsync(long subscriptionId, string eventId) => deliveries.GetAsync(subscriptionId, eventId);

    public Task<RecentEvent[]> RecentEventsAsync(string tenant, string resource, int limit) => deliveries.RecentEventsAsync(tenant, resource, limit);

    public Task<DeliveryLogPage> LogsAsync(long subscriptionId, DeliveryLogQuery query) => deliveries.ReadLogAsync(subscriptionId, query);
}
