using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Hosting;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using EventsSubscriptions.Grains.Interfaces.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EventsSubscriptions.Grains.Interfaces.Requests;

/// <summary>
/// What a subscription body is read against (the webhook address policy, the declared resources,
/// the relation fields) and the reader itself, built from the same validated settings
/// (<see cref="WebhookSettings"/>, <see cref="EntitySettings"/>) in the gateway (create, PUT) and in
/// the silos (PATCH, merged in the subscription's grain), so that both judge a body alike. Each host
/// registers those two sections with the others (<see cref="Settings.AddSettings{T}"/>).
/// </summary>
public static class SubscriptionRules
{
    public static IServiceCollection AddSubscriptionRules(this IServiceCollection services)
    {
        services.AddSingleton(sp => new WebhookTargetPolicy(sp.GetRequiredService<IOptions<WebhookSettings>>().Value));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<EntitySettings>>().Value.ResourceCatalog());
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<EntitySettings>>().Value.RelationMap());
        services.AddSingleton<SubscriptionRequestReader>();
        return services;
    }
}
