using System.Net;

namespace EventsSubscriptions.Grains.Delivery;

public enum AttemptResult
{
    /// <summary>Any 2xx.</summary>
    Succeeded,

    /// <summary>Anything else: a status code (3xx included: redirects are not followed), a timeout, a connection error.</summary>
    Failed,

    /// <summary>410 Gone: the receiver asks for the subscription to stop; it is suspended at once.</summary>
    Gone,
}

/// <summary>How a receiver's answer counts.</summary>
public static class DeliveryOutcome
{
    public static AttemptResult Classify(HttpStatusCode status) => (int)status switch
    {
        >= 200 and < 300 => AttemptResult.Succeeded,
        410 => AttemptResult.Gone,
        _ => AttemptResult.Failed,
    };

    /// <summary>Only 429 and 503 may set the time of the next attempt.</summary>
    public static bool HonoursRetryAfter(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable;
}
