namespace EventsSubscriptions.Silo.Schema;

/// <summary>
/// Runs before the silo starts (registered ahead of Orleans) and stops start-up on a database
/// whose schema is behind this build, saying what to run.
/// </summary>
public sealed class SchemaVersionCheck(SchemaMigrator migrator, ILogger<SchemaVersionCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var current = await migrator.GetCurrentVersionAsync(cancellationToken);
        var needed = Migration.LatestVersion;
        if (current < needed)
        {
            throw new SchemaBehindException(
                $"The database schema is at version {current}; this silo needs version {needed}. " +
                "Run the migrations first: `dotnet Silo.dll migrate` (scripts/up.sh and the compose " +
                "'migrate' service do it for you).");
        }
        if (current > needed)
        {
            logger.SchemaAhead(current, needed);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public sealed class SchemaBehindException(string message) : Exception(message);
