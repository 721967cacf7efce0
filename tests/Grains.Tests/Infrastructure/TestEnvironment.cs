namespace EventsSubscriptions.Grains.Tests.Infrastructure;

/// <summary>The real Redis and PostgreSQL that scripts/test.sh starts for the tests.</summary>
public static class TestEnvironment
{
    public static string Postgres => Required("ES_TEST_POSTGRES");

    public static string Redis => Required("ES_TEST_REDIS");

    /// <summary>The folder of pg_dump, of the tests' PostgreSQL's version.</summary>
    public static string PostgresBin => Required("ES_TEST_PG_BIN");

    public static string PostgresFor(string database) =>
        new NpgsqlConnectionStringBuilder(Postgres) { Database = database }.ConnectionString;

    public static int FreePort() => EventsSubscriptions.TestSupport.Ports.Free();

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests with scripts/test.sh, which starts Redis and PostgreSQL.");
}
