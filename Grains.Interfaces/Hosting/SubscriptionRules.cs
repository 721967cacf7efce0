using EventsSubscriptions.Grains.Interfaces.Entities;
using EventsSubscriptions.Grains.Interfaces.Subscriptions;
using EventsSubscriptions.Grains.Interfaces.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EventsSubscriptions.Grains.Interfaces.Hosting;

/// <summary>
/// What a subscription body is read against (the webhook address policy, the declared resources,
/// the relation fields) and the reader itself, built from the same settings in the gateway (create,
/// PUT) and in the silos (PATCH, merged in the subscription's grain), so that both judge a body alike.
/// </summary>
public static class SubscriptionRules
{
    public static IServiceCollection AddSubscriptionRules(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(new WebhookTargetPolicy(
            configuration.GetSection(WebhookSettings.Section).Get<WebhookSettings>() ?? new WebhookSettings()));
        services.AddSingleton(new ResourceCatalog(
            configuration.GetSection("Entities:Resources").GetChildren().ToDictionary(
                r => r.Key, r => r.GetSection("Actions").Get<string[]>() ?? [], StringComparer.Ordinal)));
        services.AddSingleton(new RelationMap(
            configuration.GetSection("Entities:Relations").Get<Dictionary<string, string>>()));
        services.AddSingleton<SubscriptionRequestReader>();
        return services;
    }
}
