namespace EventsSubscriptions.Grains.Delivery;

/// <summary>What one webhook call came to: the receiver's answer, or why there was none.</summary>
public sealed record AttemptOutcome(AttemptResult Result, int? StatusCode, TimeSpan Duration, string? Error, string? ResponseExcerpt, TimeSpan? RetryAfter)
{
    /// <summary>The headers a receiver answered a failed attempt with, "Name: value" lines, bounded and cleaned; null for a success.</summary>
    public string? ResponseHeaders { get; init; }

    public const string TimeoutPrefix = "no answer within";
    public const string RefusedPrefix = "refused by the SSRF guard";
    public const string ConnectionPrefix = "connection failed";

    /// <summary>Why the attempt got no answer, as the sender knew where it caught the failure (<see cref="AttemptFailure.None"/>: it got one).</summary>
    public AttemptFailure Failure { get; init; }

    /// <summary>What kind of failure this was, for metrics: none, timeout, dns, ssrf, connection, 3xx, 4xx, 410, 5xx.</summary>
    public string ErrorKind => this switch
    {
        { Result: AttemptResult.Succeeded } => "none",
        { StatusCode: 410 } => "410",
        { StatusCode: >= 500 } => "5xx",
        { StatusCode: >= 400 } => "4xx",
        { StatusCode: >= 300 } => "3xx",
        { StatusCode: not null } => "status",
        { Failure: AttemptFailure.Timeout } => "timeout",
        { Failure: AttemptFailure.Refused } => "ssrf",
        { Failure: AttemptFailure.NameNotResolved } => "dns",
        _ => "connection",
    };

    /// <summary>The service's own words for a failure without an answer, leaving out what the network or the receiver said.</summary>
    public string FailureWords => Failure switch
    {
        AttemptFailure.Timeout => Error ?? TimeoutPrefix,
        AttemptFailure.Refused => RefusedPrefix,
        _ => ConnectionPrefix,
    };
}

/// <summary>Why an attempt got no answer from its receiver.</summary>
public enum AttemptFailure
{
    /// <summary>It got an answer (its status line), whatever the status.</summary>
    None,

    /// <summary>No status line within the subscription's timeout.</summary>
    Timeout,

    /// <summary>The SSRF guard refused the address the URL resolved to.</summary>
    Refused,

    /// <summary>The host name did not resolve.</summary>
    NameNotResolved,

    /// <summary>The connection failed, or the answer could not be read (a broken status line, bad framing).</summary>
    Connection,
}
