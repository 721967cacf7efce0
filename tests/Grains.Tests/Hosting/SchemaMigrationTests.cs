using EventsSubscriptions.Silo.Schema;

namespace EventsSubscriptions.Grains.Tests.Hosting;

[Trait("Category", "Integration")]
public sealed class SchemaMigrationTests
{
    private const string SchemaSnapshot = """
        SELECT string_agg(x, E'\n' ORDER BY x) FROM (
            SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
            FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL
            SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL
            SELECT 'function ' || p.proname || ' ' || md5(p.prosrc)
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
            UNION ALL
            SELECT 'query ' || querykey || ' ' || md5(querytext) FROM orleansquery
            UNION ALL
            SELECT 'migration ' || version || ' ' || checksum || ' ' || applied_on FROM schema_migrations
        ) AS s(x)
        """;

    [Fact]
    public async Task Migrations_run_twice_change_nothing_the_second_time()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        var migrator = new SchemaMigrator(database.ConnectionString, NullLogger.Instance);

        var first = await migrator.MigrateAsync();
        var before = await database.ScalarAsync<string>(SchemaSnapshot);
        var second = await migrator.MigrateAsync();
        var after = await database.ScalarAsync<string>(SchemaSnapshot);

        Assert.Equal(Migration.Embedded.Select(m => m.Version), first);
        Assert.Empty(second);
        Assert.Equal(before, after);
        Assert.Equal(Migration.LatestVersion, await migrator.GetCurrentVersionAsync());
    }

    [Fact]
    public async Task Migrators_started_together_apply_each_migration_once()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            new SchemaMigrator(database.ConnectionString, NullLogger.Instance).MigrateAsync()));

        Assert.Equal(Migration.Embedded.Count, results.Sum(r => r.Count));
        Assert.Equal(Migration.Embedded.Count, await database.ScalarAsync<int>("SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task The_provider_queries_are_all_installed()
    {
        await using var database = await TestDatabase.CreateAsync();
        string[] keys =
        [
            "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
            "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
            "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
            "QueueStreamMessageKey", "GetStreamMessagesKey", "ConfirmStreamMessagesKey",
            "FailStreamMessageKey", "EvictStreamMessagesKey", "EvictStreamDeadLettersKey",
        ];
        var installed = await database.ScalarAsync<string>("SELECT string_agg(querykey, ',' ORDER BY querykey) FROM orleansquery");
        Assert.Equal(keys.Order(StringComparer.Ordinal), installed.Split(',').Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_migration_edited_after_it_was_applied_is_refused()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1", connection);
            await command.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => new SchemaMigrator(database.ConnectionString, NullLogger.Instance).MigrateAsync());
        Assert.Contains("was changed after it was applied", error.Message);
    }

    [Fact]
    public async Task A_silo_refuses_to_start_on_a_database_never_migrated()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        await using var cluster = new SiloCluster(database);

        var error = await Assert.ThrowsAsync<SchemaBehindException>(() => cluster.StartSiloAsync());

        Assert.Contains("at version 0", error.Message);
        Assert.Contains("dotnet Silo.dll migrate", error.Message);
    }

    [Fact]
    public async Task A_silo_refuses_to_start_on_a_schema_that_is_behind()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        await new SchemaMigrator(database.ConnectionString, NullLogger.Instance) { Migrations = Migration.Embedded.Take(1).ToList() }
            .MigrateAsync();
        await using var cluster = new SiloCluster(database);

        var error = await Assert.ThrowsAsync<SchemaBehindException>(() => cluster.StartSiloAsync());

        Assert.Contains("at version 1", error.Message);
        Assert.Contains($"needs version {Migration.LatestVersion}", error.Message);
    }
}
