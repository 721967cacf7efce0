using EventsSubscriptions.Grains.Interfaces.Tenants;
using EventsSubscriptions.Grains.Persistence;

namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// What the parts of a subscription grain that run on their own (<see cref="SubscriptionSender"/> and
/// its stages, <see cref="SubscriptionBackfill"/>) know of it: its state, read only; its secrets; the calls
/// that change its state, which go through its mailbox (<see cref="ISubscriptionSenderControl"/>).
/// </summary>
internal sealed class SubscriptionContext(
    long id,
    IGrainBase grain,
    Func<SubscriptionState> state,
    SubscriptionSecrets secrets,
    ISubscriptionSenderControl control,
    SubscriptionReadModel readModel,
    ILogger logger)
{
    public long Id => id;
    public IGrainBase Grain => grain;
    public SubscriptionState State => state();
    public SubscriptionSecrets Secrets => secrets;
    public ISubscriptionSenderControl Control => control;
    public SubscriptionReadModel ReadModel => readModel;
    public ILogger Logger => logger;

    public string Tenant => State.Tenant ?? Tenants.Default;

    /// <summary>The subscription sends: it exists and is neither suspended nor archived.</summary>
    public bool Active => State.Spec is not null && State.Status == SubscriptionStatus.Active;
}
