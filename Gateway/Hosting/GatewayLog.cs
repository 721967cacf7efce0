using Microsoft.Extensions.Logging;

namespace EventsSubscriptions.Gateway.Hosting;

/// <summary>What the gateway logs, source-generated, one event id each; failures carry their exception.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(4001, LogLevel.Information, "Inbox {Inbox}: webhook {WebhookId} received, {Bytes} bytes (the body is not logged: read it at /dev/inbox/{Inbox})")]
    public static partial void InboxReceived(this ILogger logger, string inbox, string? webhookId, int bytes);

    [LoggerMessage(4002, LogLevel.Information, "{Method} {Path}: {Error}; trying again on a live silo")]
    public static partial void RetryingOnLiveSilo(this ILogger logger, string method, string path, string error);

    [LoggerMessage(4003, LogLevel.Warning, "No silo reachable yet (attempt {Attempt}): {Reason}")]
    public static partial void NoSiloYet(this ILogger logger, int attempt, string reason);

    [LoggerMessage(4004, LogLevel.Warning, "Readiness: {Dependency} is down")]
    public static partial void DependencyDown(this ILogger logger, Exception error, string dependency);
}
