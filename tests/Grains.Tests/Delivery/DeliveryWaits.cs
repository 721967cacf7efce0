namespace EventsSubscriptions.Grains.Tests.Delivery;

/// <summary>The waits the clock tests share: the delivery log, e-mails, a subscription's state, calls received.</summary>
public static class DeliveryWaits
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static async Task<List<DeliveryLogEntry>> LogsAsync(IClusterClient client, long id, int count)
    {
        var entries = new List<DeliveryLogEntry>();
        await Eventually.HoldsAsync(async () =>
        {
            var page = await client.GetGrain<ISubscriptionQueryGrain>(0).LogsAsync(id, new DeliveryLogQuery(100, 0, null, null, null, null));
            entries = [.. page.Entries.OrderBy(e => e.Id)];
            return entries.Count >= count;
        }, Patience, $"the log never held {count} entries");
        return entries;
    }

    /// <summary>The e-mails to the address (those whose text holds <paramref name="about"/>), once there are <paramref name="count"/>.</summary>
    public static async Task<List<CaughtMail>> MailsAsync(SmtpCatcher smtp, string address, int count, string? about = null)
    {
        bool Wanted(CaughtMail m) => m.Recipients.Contains(address) && (about is null || m.Data.Contains(about));
        await Eventually.HoldsAsync(() => smtp.Mails.Count(Wanted) >= count, Patience,
            $"{count} e-mail(s) to {address}{(about is null ? "" : $" about '{about}'")} never arrived");
        return [.. smtp.Mails.Where(Wanted)];
    }

    public static async Task<SubscriptionView> WaitForAsync(ISubscriptionGrain subscription, Func<SubscriptionView, bool> condition)
    {
        SubscriptionView view = null!;
        await Eventually.HoldsAsync(async () => condition(view = (await subscription.GetAsync())!), Patience,
            "the subscription never reached the expected state");
        return view;
    }

    public static async Task<List<ReceivedCall>> CallsAsync(WebhookReceiver receiver, string name, int count)
    {
        await Eventually.HoldsAsync(() => receiver.Calls(name).Count >= count, Patience, $"'{name}' never received {count} call(s)");
        return [.. receiver.Calls(name)];
    }
}
