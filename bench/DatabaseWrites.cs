using Npgsql;

namespace EventsSubscriptions.Bench;

/// <summary>
/// What the database wrote over a run: WAL (records, full-page images, bytes) from <c>pg_stat_wal</c>
/// and rows inserted, updated (HOT apart) and deleted per table from <c>pg_stat_user_tables</c>,
/// read before and after (the difference is what a reset before the run would show, without the
/// privilege a reset needs). Partitions count as their table (<c>delivery_log_2026_12_07</c> as
/// <c>delivery_log</c>). A backend reports its counters when it goes idle, up to ten seconds late:
/// read the second snapshot after the silos' connections have been idle that long.
/// </summary>
internal sealed record DatabaseWrites(long WalRecords, long WalFullPages, long WalBytes, IReadOnlyDictionary<string, TableWrites> Tables)
{
    /// <summary>The tables a delivery writes once routed (the event's own path apart).</summary>
    private static readonly string[] DeliveryTables = ["delivery_outbox", "delivery_body", "delivery_log", "delivery_log_count"];

    public static async Task<DatabaseWrites> ReadAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT wal_records, wal_fpi, wal_bytes::bigint FROM pg_stat_wal;
            SELECT coalesce(p.relname, t.relname) AS name, sum(t.n_tup_ins)::bigint, sum(t.n_tup_upd)::bigint,
                   sum(t.n_tup_hot_upd)::bigint, sum(t.n_tup_del)::bigint
            FROM pg_stat_user_tables t
            LEFT JOIN pg_inherits i ON i.inhrelid = t.relid
            LEFT JOIN pg_class p ON p.oid = i.inhparent
            GROUP BY 1;
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (records, fullPages, bytes) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        await reader.NextResultAsync();
        var tables = new Dictionary<string, TableWrites>();
        while (await reader.ReadAsync())
        {
            tables[reader.GetString(0)] = new TableWrites(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
        }
        return new DatabaseWrites(records, fullPages, bytes, tables);
    }

    /// <summary>Prints the difference from <paramref name="before"/> per delivery (and per event for the event's own path).</summary>
    public void Print(DatabaseWrites before, long deliveries, long events)
    {
        if (deliveries <= 0)
        {
            return;
        }
        var walBytes = WalBytes - before.WalBytes;
        Console.WriteLine($"  database per delivery: {walBytes / (double)deliveries:0} WAL bytes " +
                          $"({(WalRecords - before.WalRecords) / (double)deliveries:0.00} records, " +
                          $"{(WalFullPages - before.WalFullPages) / (double)deliveries:0.000} full-page images), " +
                          $"{DeliveryRows(before) / (double)deliveries:0.00} rows written by deliveries; over the run " +
                          $"{walBytes / 1048576.0:0.0} MiB of WAL for {deliveries} deliveries of {events} events");
        var changed = Tables
            .Select(t => (Name: t.Key, Delta: t.Value.Minus(before.Tables.GetValueOrDefault(t.Key) ?? TableWrites.None)))
            .Where(t => t.Delta.Written > 0)
            .OrderByDescending(t => t.Delta.Written);
        foreach (var (name, delta) in changed)
        {
            Console.WriteLine($"    {name,-28} per delivery: {delta.Inserted / (double)deliveries:0.000} inserted, " +
                              $"{delta.Updated / (double)deliveries:0.000} updated ({delta.HotUpdated / (double)deliveries:0.000} HOT), " +
                              $"{delta.Deleted / (double)deliveries:0.000} deleted");
        }
    }

    private long DeliveryRows(DatabaseWrites before) => DeliveryTables.Sum(name =>
        (Tables.GetValueOrDefault(name) ?? TableWrites.None).Minus(before.Tables.GetValueOrDefault(name) ?? TableWrites.None).Written);
}

/// <summary>One table's row counters (cumulative since the statistics were last reset).</summary>
internal sealed record TableWrites(long Inserted, long Updated, long HotUpdated, long Deleted)
{
    public static readonly TableWrites None = new(0, 0, 0, 0);

    /// <summary>Rows written: every insert, update and delete is a row version written.</summary>
    public long Written => Inserted + Updated + Deleted;

    public TableWrites Minus(TableWrites before) =>
        new(Inserted - before.Inserted, Updated - before.Updated, HotUpdated - before.HotUpdated, Deleted - before.Deleted);
}
