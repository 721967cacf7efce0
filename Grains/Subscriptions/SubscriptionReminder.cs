namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>
/// A reminder that brings a subscription grain back after a restart while it has work under way
/// (pending deliveries, a running backfill), ticking once a minute. Registered when the work starts;
/// dropped once it is done (the deliveries' by its own tick: queues that drain and refill all the
/// time do not write the reminder table each time). A failure to register or drop is logged, never
/// thrown: the work goes on, and the next try registers or drops it.
/// </summary>
internal sealed class SubscriptionReminder(SubscriptionContext subscription, string name)
{
    public string Name => name;

    private Task? registration;

    public bool Held { get; private set; }

    /// <summary>
    /// Registers it unless held. A failure (storage down, a concurrent change of the reminder row)
    /// does not fail the caller: its work is saved already, and it asks again until it holds. One
    /// registration at a time; whoever asks meanwhile waits for it.
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
            if (await subscription.Grain.GetReminder(name) is { } reminder)
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
            await subscription.Grain.RegisterOrUpdateReminder(name, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            Held = true;
        }
        catch (Exception e)
        {
            subscription.Logger.ReminderNotRegistered(e, subscription.Id);
        }
    }
}
