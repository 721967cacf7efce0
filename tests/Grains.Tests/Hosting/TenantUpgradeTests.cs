using EventsSubscriptions.Silo.Schema;

namespace EventsSubscriptions.Grains.Tests.Hosting;

/// <summary>
/// The upgrade to tenants (migration 0020), from a database the previous version made and filled:
/// its subscriptions and regions are the default tenant's, and another tenant may then use the
/// same region ids.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TenantUpgradeTests : IAsyncLifetime
{
    private TestDatabase database = null!;

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync(migrate: false);

    public async Task DisposeAsync() => await database.DisposeAsync();

    [Fact]
    public async Task Subscriptions_and_regions_made_before_tenants_are_the_default_tenants()
    {
        var previous = new SchemaMigrator(database.ConnectionString, NullLogger.Instance) { Migrations = [.. Migration.Embedded.Where(m => m.Version <= 19)] };
        await previous.MigrateAsync();
        await database.ExecuteAsync("""
            INSERT INTO subscription_list (service_id, id, custom_id, name, status, resource, created_on, updated_on, version, view, created_by)
            VALUES ('svc', 5, 'hr-sync', 'HR', 'ACTIVE', 'employees', now(), now(), 1, '{}', 'alice');
            INSERT INTO region_tree (service_id, id, parent_id, removed, version) VALUES ('svc', 3, NULL, false, nextval('region_tree_change'));
            """);

        Assert.Contains(20, await new SchemaMigrator(database.ConnectionString, NullLogger.Instance).MigrateAsync());

        Assert.Equal("default", await database.ScalarAsync<string>("SELECT tenant FROM subscription_list WHERE id = 5"));
        Assert.Equal("default", await database.ScalarAsync<string>("SELECT tenant FROM region_tree WHERE id = 3"));
        // Region 3 of another tenant is another region.
        await database.ExecuteAsync("INSERT INTO region_tree (service_id, tenant, id, parent_id, removed, version) VALUES ('svc', 'acme', 3, NULL, false, nextval('region_tree_change'))");
        Assert.Equal(2L, await database.ScalarAsync<long>("SELECT count(*) FROM region_tree WHERE id = 3"));
    }
}
