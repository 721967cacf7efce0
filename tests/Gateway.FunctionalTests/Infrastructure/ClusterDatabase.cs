namespace EventsSubscriptions.Gateway.FunctionalTests.Infrastructure;

/// <summary>Reads and writes a cluster's own database directly: what the service stored, as it stored it.</summary>
public static class ClusterDatabase
{
    /// <summary>One value read from this cluster's database (<c>$1</c>, <c>$2</c>… are the parameters): what the service stored, as it stored it.</summary>
    public static async Task<T> ScalarAsync<T>(this ServiceCluster cluster, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(cluster.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Runs SQL on this cluster's database (a test's trigger, say).</summary>
    public static async Task ExecuteAsync(this ServiceCluster cluster, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Rows read from this cluster's database, each made by <paramref name="read"/>, in the order the query gives.</summary>
    public static async Task<List<T>> RowsAsync<T>(this ServiceCluster cluster, string sql, Func<NpgsqlDataReader, T> read, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(cluster.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }
        return rows;
    }
}
