using EventsSubscriptions.Grains.Delivery;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>
/// A delivery's body as the outbox keeps it: whole in <c>body</c> (rows queued before migration
/// 0029), or meta (and an action's body) in columns with data in the row's <c>data</c> or shared in <c>delivery_body</c>.
/// The SQL pieces read it from an outbox row named <c>o</c>; <see cref="Read"/> puts it together.
/// </summary>
internal static class StoredBodies
{
    /// <summary>The six columns <see cref="Read"/> takes, in its order.</summary>
    public const string Columns = "o.body, coalesce(o.data, b.data) AS data, o.custom_id, o.language, o.occurred_on, o.action_body";

    /// <summary>The shared data of the row, when it has no copy of its own.</summary>
    public const string Join = """
        LEFT JOIN LATERAL (
            SELECT b.data FROM delivery_body b
            WHERE o.body IS NULL AND o.data IS NULL AND b.service_id = o.service_id AND b.event_id = o.event_id AND b.shape = o.body_shape
            LIMIT 1) b ON true
        """;

    /// <summary>The body's length in characters, near enough for a read's budget (meta counted as a fixed part).</summary>
    public const string Length = "coalesce(length(o.body), length(coalesce(o.data, b.data)) + 200)::bigint";

    /// <summary>
    /// The data to copy into a row that is made pending again (replay, retry): a requeued row never
    /// waits on shared data, which retention may remove once the rows waiting for it have copies.
    /// </summary>
    public const string OwnData = """
        coalesce(o.data, (SELECT b.data FROM delivery_body b
                          WHERE o.body IS NULL AND b.service_id = o.service_id AND b.event_id = o.event_id AND b.shape = o.body_shape
                          LIMIT 1))
        """;

    /// <summary>Whether a row's body can still be put together (<see cref="OwnData"/> finds its data).</summary>
    public const string Available = $"(o.body IS NOT NULL OR {OwnData} IS NOT NULL)";

    /// <summary>
    /// The body from the six columns at <paramref name="first"/> onwards; null for a finished
    /// delivery whose shared data is gone (retention removes it only after the delivery's own time
    /// is past, and copies it first into every row still waiting to be sent).
    /// </summary>
    public static string? Read(NpgsqlDataReader reader, int first, long subscriptionId, string eventId, string eventName)
    {
        if (!reader.IsDBNull(first))
        {
            return reader.GetString(first);
        }
        if (reader.IsDBNull(first + 1))
        {
            return null;
        }
        var meta = new WebhookMeta(subscriptionId, reader.GetString(first + 2), reader.GetString(first + 3), eventName, eventId,
            new DateTimeOffset(reader.GetDateTime(first + 4), TimeSpan.Zero), reader.IsDBNull(first + 5) ? null : reader.GetString(first + 5));
        return WebhookPayload.Compose(meta, reader.GetString(first + 1));
    }
}
