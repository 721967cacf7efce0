namespace EventsSubscriptions.Grains.Hosting;

/// <summary>
/// The clock of the product's own logic (retry schedule, suspension window, e-mail throttling,
/// secret overlap, timestamps), a keyed <see cref="TimeProvider"/> apart from the one Orleans
/// runs on. Tests swap it for a shifted clock to cross a 24-hour window without waiting, while
/// membership, timers and reminders keep real time.
/// </summary>
public static class ServiceClock
{
    public const string Key = "events-subscriptions";
}
