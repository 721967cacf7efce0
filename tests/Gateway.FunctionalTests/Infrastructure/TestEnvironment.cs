namespace EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;

/// <summary>The real Redis and PostgreSQL that scripts/test.sh starts, and the built services.</summary>
public static class TestEnvironment
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public static string Postgres => Required("ES_TEST_POSTGRES");

    public static string Redis => Required("ES_TEST_REDIS");

    public static string PostgresFor(string database) =>
        new NpgsqlConnectionStringBuilder(Postgres) { Database = database }.ConnectionString;

    public static string RepositoryRoot => EventsSubscriptions.TestSupport.Repository.Root;

    public static string SiloDll => Built("Silo");

    public static string GatewayDll => Built("Gateway");

    /// <summary>Runs scripts/lib/pg-control.sh to stop or start the tests' PostgreSQL.</summary>
    public static async Task PostgresAsync(string action)
    {
        var info = new System.Diagnostics.ProcessStartInfo("bash",
            [Required("ES_TEST_PG_CONTROL"), action, Required("ES_TEST_PG_DATA"), Required("ES_TEST_PG_PORT")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(info)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg-control {action} failed: {error}");
        }
    }

    public static int FreePort() => EventsSubscriptions.TestSupport.Ports.Free();

    private static string Built(string project)
    {
        var path = Path.Combine(RepositoryRoot, project, "bin", Configuration, "net10.0", $"{project}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{project} is not built: {path}");
    }

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests with scripts/test.sh, which starts Redis and PostgreSQL.");
}
