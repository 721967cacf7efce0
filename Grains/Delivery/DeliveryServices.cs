using EventsSubscriptions.Grains.Hosting;
using EventsSubscriptions.Grains.Notifications;
using EventsSubscriptions.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace EventsSubscriptions.Grains.Delivery;

/// <summary>
/// The silo-wide services a subscription's sending stages share (the outbox, the windows' budget,
/// the HTTP sender, metrics and notices), handed over as one, as eShop's handlers take their services.
/// </summary>
public sealed class DeliveryServices(
    DeliveryStore store,
    DeliveryWindows windows,
    WebhookSender webhooks,
    DeliveryMetrics metrics,
    FailureNotifier notifier,
    IOptions<DeliverySettings> settings,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider clock)
{
    public DeliveryStore Store => store;
    public DeliveryWindows Windows => windows;
    public WebhookSender Webhooks => webhooks;
    public DeliveryMetrics Metrics => metrics;
    public FailureNotifier Notifier => notifier;
    public DeliverySettings Settings => settings.Value;

    /// <summary>The retry schedule, built once (the settings do not change while the silo runs): it is read after every attempt.</summary>
    public RetrySchedule Schedule { get; } = settings.Value.Schedule;
    public TimeProvider Clock => clock;
}
