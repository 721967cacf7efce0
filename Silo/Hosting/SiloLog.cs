namespace EventsSubscriptions.Silo.Hosting;

/// <summary>What the silo's host logs, source-generated, one event id each.</summary>
internal static partial class SiloLog
{
    [LoggerMessage(3001, LogLevel.Critical, "{Reason}")]
    public static partial void SchemaBehind(this ILogger logger, string reason);

    [LoggerMessage(3002, LogLevel.Critical, "The silo did not stop within {Limit}; exiting now")]
    public static partial void StopTimedOut(this ILogger logger, TimeSpan limit);

    [LoggerMessage(3003, LogLevel.Information, "Database schema is at version {Version} ({Applied} migration(s) applied now)")]
    public static partial void SchemaAt(this ILogger logger, int version, int applied);

    [LoggerMessage(3004, LogLevel.Information, "Applying migration {Version:D4}_{Name}")]
    public static partial void ApplyingMigration(this ILogger logger, int version, string name);

    [LoggerMessage(3005, LogLevel.Warning, "The database schema (version {Current}) is newer than this silo knows ({Needed})")]
    public static partial void SchemaAhead(this ILogger logger, int current, int needed);

    [LoggerMessage(3006, LogLevel.Information, "Health endpoints on port {Port}: /healthz, /readyz")]
    public static partial void HealthListening(this ILogger logger, int port);
}
