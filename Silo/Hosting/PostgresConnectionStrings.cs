namespace EventsSubscriptions.Silo.Hosting;

/// <summary>The silo's PostgreSQL connection strings: the configured one with the service's defaults filled in.</summary>
public static class PostgresConnectionStrings
{
    /// <summary>
    /// Idle pooled connections are probed every few seconds, so that those a database restart broke
    /// are dropped instead of failing the next call that borrows them. A silo has two pools (the
    /// Orleans providers' and the service's own); unless the connection string sets its own, each
    /// is capped at <see cref="DefaultMaxPoolSize"/> connections: Npgsql's default of 100 lets two
    /// silos under load exhaust PostgreSQL's connections ("too many clients"), and more backends
    /// than cores only add contention.
    /// </summary>
    public const int DefaultMaxPoolSize = 24;

    /// <summary>
    /// The service's own data source: its statements keep no session state, so a connection goes
    /// back to the pool without a reset (no <c>DISCARD ALL</c> per use), and the statements it runs
    /// often are prepared once per connection instead of parsed and planned on every call.
    /// </summary>
    public static string ForService(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("reset on close", StringComparison.OrdinalIgnoreCase))
        {
            builder.NoResetOnClose = true;
        }
        if (!connectionString.Contains("auto prepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }
        return builder.ConnectionString;
    }

    /// <summary>The connection string every pool of the silo starts from: keep-alive probes, and the capped pool size.</summary>
    public static string WithDefaults(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.KeepAlive == 0)
        {
            builder.KeepAlive = 5;
        }
        if (!connectionString.Contains("pool size", StringComparison.OrdinalIgnoreCase)
            && !connectionString.Contains("poolsize", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxPoolSize = DefaultMaxPoolSize;
        }
        return builder.ConnectionString;
    }
}
