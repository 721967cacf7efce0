namespace EventsSubscriptions.Grains.Interfaces.Entities;

/// <summary>
/// The gateway names each PUT and PATCH request (a random key in the request context, the same for
/// every attempt of it). When it tries a request again after a grain call timed out, the first attempt
/// may still be waiting in the entity grain for PostgreSQL and be applied after all: the grain
/// answers the repeat with the first attempt's result instead of applying the change twice (two
/// events for one request).
/// </summary>
public static class RepeatedCall
{
    public const string ContextKey = "es.request";
}
