namespace EventsSubscriptions.Grains.Subscriptions;

/// <summary>What a subscription grain logs, source-generated; failures carry their exception.</summary>
internal static partial class SubscriptionLog
{
    [LoggerMessage(1001, LogLevel.Information, "Subscription {Id} created for {Resource}")]
    public static partial void Created(this ILogger logger, long id, string resource);

    [LoggerMessage(1002, LogLevel.Information, "Subscription {Id}: finishing the projection of version {Version}")]
    public static partial void FinishingProjection(this ILogger logger, long id, int version);

    [LoggerMessage(1003, LogLevel.Error, "Subscription {Id}: version {Version} could not be projected to the listing and the index")]
    public static partial void ProjectionFailed(this ILogger logger, Exception error, long id, int version);

    [LoggerMessage(1004, LogLevel.Warning, "Subscription {Id}: stored health {Stored} did not match its delivery log; repaired to {Repaired}")]
    public static partial void HealthRepaired(this ILogger logger, long id, object stored, object repaired);

    [LoggerMessage(1005, LogLevel.Information, "Subscription {Id}: queued event {EventId} from the routing dead letters")]
    public static partial void DeadLetterRequeued(this ILogger logger, long id, string eventId);

    [LoggerMessage(1006, LogLevel.Warning, "Subscription {Id}: event {EventId} stays in the routing dead letters")]
    public static partial void DeadLetterKept(this ILogger logger, Exception error, long id, string eventId);

    [LoggerMessage(1007, LogLevel.Warning, "Subscription {Id}: health not saved on deactivation")]
    public static partial void HealthNotSaved(this ILogger logger, Exception error, long id);

    [LoggerMessage(1008, LogLevel.Warning, "Subscription {Id} suspended: {Reason}")]
    public static partial void Suspended(this ILogger logger, long id, string reason);

    [LoggerMessage(1009, LogLevel.Warning, "Subscription {Id}: the delivery reminder is not registered yet; retrying")]
    public static partial void ReminderNotRegistered(this ILogger logger, Exception error, long id);

    [LoggerMessage(1010, LogLevel.Information, "Subscription {Id}: the delivery reminder was not removed")]
    public static partial void ReminderNotRemoved(this ILogger logger, Exception error, long id);

    [LoggerMessage(1011, LogLevel.Warning, "Subscription {Id}: delivery {Delivery} not recorded ({Count} in a row); retrying in {Wait}")]
    public static partial void NotRecorded(this ILogger logger, Exception error, long id, string delivery, int count, TimeSpan wait);

    [LoggerMessage(1012, LogLevel.Warning, "Subscription {Id}: delivery {Delivery} is recorded, but saving the health or sending its mail failed")]
    public static partial void AfterRecordFailed(this ILogger logger, Exception error, long id, string delivery);

    [LoggerMessage(1013, LogLevel.Error,
        "Subscription {Id}: the database refused the record of delivery {Delivery} again without the receiver's text ({Count} refusals); what is left is the service's own, so look at the delivery_log and delivery_outbox tables' constraints and triggers. The delivery stays pending, not sent again; its record is tried again in {Wait}")]
    public static partial void RecordRefusedWithoutText(this ILogger logger, Exception error, long id, string delivery, int count, TimeSpan wait);
}
