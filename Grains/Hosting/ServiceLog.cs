namespace EventsSubscriptions.Grains.Hosting;

/// <summary>
/// What the silo's services and grains log (the subscription grain's own events are in
/// <c>SubscriptionLog</c>, the event queue's in its receiver), source-generated, one event id
/// each; failures carry their exception.
/// </summary>
internal static partial class ServiceLog
{
    [LoggerMessage(2001, LogLevel.Information, "{Resource}/{Id}: queueing {Count} event(s) saved before the event queue")]
    public static partial void LegacyEventsQueued(this ILogger logger, string resource, long id, int count);

    [LoggerMessage(2002, LogLevel.Warning, "{Resource}/{Id}: the state saved by the earlier version could not be removed")]
    public static partial void LegacyStateNotRemoved(this ILogger logger, Exception error, string resource, long id);

    [LoggerMessage(2003, LogLevel.Warning, "SMTP is not configured (Smtp__Host): failure e-mails are not sent")]
    public static partial void SmtpNotConfigured(this ILogger logger);

    [LoggerMessage(2004, LogLevel.Warning, "Failure e-mail to {To} not sent")]
    public static partial void MailNotSent(this ILogger logger, Exception error, string to);

    [LoggerMessage(2024, LogLevel.Warning, "Operational webhook {Type} ({Id}) given up after {Attempts} attempts: {LastError}")]
    public static partial void OperatorWebhookGivenUp(this ILogger logger, string type, string id, int attempts, string? lastError);

    [LoggerMessage(2005, LogLevel.Warning, "PostgreSQL restarted (at {StartedOn:O}); this process's connection pools are emptied")]
    public static partial void DatabaseRestarted(this ILogger logger, DateTime startedOn);

    [LoggerMessage(2006, LogLevel.Warning, "{Grain}.{Method} failed; the activation restarts from storage")]
    public static partial void CallFailedActivationReset(this ILogger logger, Exception error, object grain, string method);

    [LoggerMessage(2007, LogLevel.Warning, "The event queue's listener has no connection; queues are polled every 100 ms until it has one")]
    public static partial void QueueListenerDown(this ILogger logger, Exception error);

    [LoggerMessage(2008, LogLevel.Error, "Event {EventId} ({Event}) could not be queued for subscription {Subscription} after {Tries} tries; " +
        "kept in the routing dead letters, the {Others} other subscription(s) have it")]
    public static partial void EventSetApart(this ILogger logger, Exception error, string eventId, string @event, long subscription, int tries, int others);

    [LoggerMessage(2009, LogLevel.Warning, "Stream error on {Key}")]
    public static partial void StreamError(this ILogger logger, Exception error, string key);

    [LoggerMessage(2010, LogLevel.Debug, "The pending deliveries could not be measured")]
    public static partial void BacklogNotMeasured(this ILogger logger, Exception error);

    [LoggerMessage(2011, LogLevel.Information, "Purged about {Log} delivery log row(s), {Deliveries} finished deliveries and {Shared} shared webhook data " +
                                               "older than {Before:o} (mostly whole days: the planner's estimates); {Copied} pending deliveries kept with their own copy")]
    public static partial void Purged(this ILogger logger, long log, long deliveries, long shared, long copied, DateTimeOffset before);

    [LoggerMessage(2012, LogLevel.Warning, "Delivery log purge failed")]
    public static partial void PurgeFailed(this ILogger logger, Exception error);

    [LoggerMessage(2013, LogLevel.Error, "{Writer}: one item was refused by the database and left out of its batch")]
    public static partial void ItemRefused(this ILogger logger, Exception error, string writer);

    [LoggerMessage(2014, LogLevel.Warning, "{Writer}: a batch of {Count} failed")]
    public static partial void BatchFailed(this ILogger logger, Exception error, string writer, int count);

    [LoggerMessage(2015, LogLevel.Warning, "The listing's health of {Count} subscription(s) was not updated; trying again")]
    public static partial void HealthNotProjected(this ILogger logger, Exception error, int count);

    [LoggerMessage(2016, LogLevel.Information, "The region tree: {Count} region(s) kept by the previous version copied to region_tree")]
    public static partial void RegionsImported(this ILogger logger, int count);

    [LoggerMessage(2021, LogLevel.Error, "Region {Id}: the state kept by the previous version cannot be read; the region is not copied to region_tree")]
    public static partial void RegionNotImported(this ILogger logger, Exception error, long id);

    [LoggerMessage(2022, LogLevel.Warning, "Region {Id}: its parent {Parent} is dropped in the copy to region_tree ({Reason}); it is a root now")]
    public static partial void RegionParentDropped(this ILogger logger, long id, long parent, string reason);

    [LoggerMessage(2023, LogLevel.Error, "Region {Id}: its change was not saved and the tree could not be put back; send the same request again")]
    public static partial void RegionTreeNotRestored(this ILogger logger, Exception error, long id);

    [LoggerMessage(2020, LogLevel.Warning, "A region move is saved but not every silo has read it yet (try {Attempt}); trying again")]
    public static partial void RegionMoveNotBroadcast(this ILogger logger, Exception error, int attempt);

    [LoggerMessage(2017, LogLevel.Information, "This silo holds the cluster lease: it runs the retention purge and the backlog gauges")]
    public static partial void LeaseTaken(this ILogger logger);

    [LoggerMessage(2018, LogLevel.Warning, "This silo lost the cluster lease (its PostgreSQL session ended)")]
    public static partial void LeaseLost(this ILogger logger, Exception error);

    [LoggerMessage(2019, LogLevel.Debug, "The cluster lease could not be tried (PostgreSQL unreachable?)")]
    public static partial void LeaseNotTaken(this ILogger logger, Exception error);

    [LoggerMessage(2025, LogLevel.Information, "Secrets re-encrypted under key {KeyId}: {Rekeyed} subscription(s) rewritten in this pass, every subscription passed; Secrets__PreviousKeys may now be removed")]
    public static partial void RekeyingDone(this ILogger logger, string keyId, long rekeyed);

    [LoggerMessage(2026, LogLevel.Error, "Subscription {Id}: its secrets could not be re-encrypted under key {KeyId}; the pass is tried again within the hour")]
    public static partial void RekeyFailed(this ILogger logger, Exception error, long id, string keyId);

    [LoggerMessage(2027, LogLevel.Warning, "The re-encryption of secrets stopped for now; it goes on from where it was")]
    public static partial void RekeyingInterrupted(this ILogger logger, Exception error);
}
