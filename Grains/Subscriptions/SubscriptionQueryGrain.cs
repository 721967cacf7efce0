using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using EventsSubscriptions.Grains.Persistence;
using Orleans.Concurrency;

namespace EventsSubscriptions.Grains.Subscriptions;

[StatelessWorker]
public sealed class SubscriptionQueryGrain(SubscriptionReadModel readModel, DeliveryStore deliveries)
    : Grain, ISubscriptionQueryGrain
{
    public Task<SubscriptionPage> ListAsync(SubscriptionListQuery query) => readModel.ListAsync(query);

    public Task<long> CountLiveByCallerAsync(string caller) => readModel.CountLiveByCallerAsync(caller);

    public Task<DeliveryPage> DeliveriesAsync(long subscriptionId, string? state, int limit, int offset) =>
        deliveries.ListAsync(subscriptionId, state, limit, offset);

    public Task<DeliveryRecord?> DeliveryAsync(long subscriptionId, string eventId) => deliveries.GetAsync(subscriptionId, eventId);

    public Task<RecentEvent[]> RecentEventsAsync(string resource, int limit) => deliveries.RecentEventsAsync(resource, limit);

    public Task<DeliveryLogPage> LogsAsync(long subscriptionId, DeliveryLogQuery query) => deliveries.ReadLogAsync(subscriptionId, query);
}
