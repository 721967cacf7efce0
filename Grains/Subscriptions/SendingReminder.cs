namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// The reminder that brings a subscription grain back after a restart while deliveries are pending.
/// Registered when sending starts, dropped by its own tick once nothing is pending: queues that
/// drain and refill all the time do not write the reminder table each time.
/// </summary>
internal sealed class SendingReminder(SubscriptionContext subscription)
{
    public const string Name = "deliveries";

    private Task? registration;

    public bool Held { get; private set; }

    /// <summary>
    /// Registers it unless held. A failure (storage down, a concurrent change of the reminder row)
    /// does not fail the caller: the deliveries are queued already, and the pump tries again on
    /// each tick until it holds. One registration at a time; whoever asks meanwhile waits for it.
    /// </summary>
    public Task EnsureAsync() =>
        Held ? Task.CompletedTask
        : registration is { IsCompleted: false } running ? running
        : registration = RegisterAsync();

    public async Task DropAsync()
    {
        try
        {
            // Also after a restart, when this activation did not register it itself.
            if (await subscription.Grain.GetReminder(Name) is { } reminder)
            {
                await subscription.Grain.UnregisterReminder(reminder);
            }
            Held = false;
        }
        catch (Exception e)
        {
            // The next tick tries again; a reminder left behind only wakes an idle grain once a minute.
            subscription.Logger.ReminderNotRemoved(e, subscription.Id);
        }
    }

    private async Task RegisterAsync()
    {
        try
        {
            await subscription.Grain.RegisterOrUpdateReminder(Name, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            Held = true;
        }
        catch (Exception e)
        {
            subscription.Logger.ReminderNotRegistered(e, subscription.Id);
        }
    }
}
