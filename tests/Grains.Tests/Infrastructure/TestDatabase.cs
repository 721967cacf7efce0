using EventsSubscriptions.Silo.Schema;

namespace EventsSubscriptions.Grains.Tests.Infrastructure;

/// <summary>A database of its own for one fixture, created empty and dropped afterwards.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string name)
    {
        Name = name;
        ConnectionString = TestEnvironment.PostgresFor(name);
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<TestDatabase> CreateAsync(bool migrate = true)
    {
        var database = new TestDatabase($"es_test_{Guid.NewGuid():N}");
        await using (var connection = new NpgsqlConnection(TestEnvironment.Postgres))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {database.Name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        if (migrate)
        {
            await new SchemaMigrator(database.ConnectionString, NullLogger.Instance).MigrateAsync();
        }
        return database;
    }

    /// <summary>Runs statements (several, separated by ';', as one batch).</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T));
    }

    /// <summary>Every row of <paramref name="sql"/>, each read by <paramref name="read"/>.</summary>
    public async Task<List<T>> RowsAsync<T>(string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    /// <summary>The first column of every row of <paramref name="sql"/>, as text.</summary>
    public Task<List<string>> ColumnAsync(string sql) => RowsAsync(sql, reader => reader.GetString(0));

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
