using System.Diagnostics.Metrics;

namespace EventsSubscriptions.Grains.Tests.Persistence;

/// <summary>
/// The cluster lease on a real PostgreSQL: one holder at a time per service, given back when its
/// holder stops, lost with its session, and taken by another silo at its next try.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ClusterLeaseTests : IAsyncLifetime
{
    private TestDatabase database = null!;
    private readonly List<NpgsqlDataSource> sources = [];

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync(migrate: false);

    public async Task DisposeAsync()
    {
        foreach (var source in sources)
        {
            await source.DisposeAsync();
        }
        NpgsqlConnection.ClearAllPools();
        await database.DisposeAsync();
    }

    private ClusterLease Lease(string serviceId = "service-a")
    {
        // A data source of its own, as each silo has.
        var source = NpgsqlDataSource.Create(database.ConnectionString);
        sources.Add(source);
        return new ClusterLease(source, Options.Create(new ClusterOptions { ServiceId = serviceId }),
            new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>(), NullLogger<ClusterLease>.Instance);
    }

    [Fact]
    public async Task One_silo_holds_it_at_a_time_and_another_takes_it_when_the_holder_stops()
    {
        var first = Lease();
        var second = Lease();
        var otherService = Lease("service-b");

        Assert.True(await first.HoldAsync(CancellationToken.None));
        Assert.False(await second.HoldAsync(CancellationToken.None));
        // Holding it again is a check of its connection, not a second lock.
        Assert.True(await first.HoldAsync(CancellationToken.None));
        // Another service on the same database has a lease of its own.
        Assert.True(await otherService.HoldAsync(CancellationToken.None));

        await first.DisposeAsync();

        Assert.True(await second.HoldAsync(CancellationToken.None));
        Assert.True(second.Held);
        Assert.False(first.Held);
    }

    [Fact]
    public async Task A_holder_whose_session_ends_loses_it_and_another_silo_takes_it()
    {
        var first = Lease();
        var second = Lease();
        Assert.True(await first.HoldAsync(CancellationToken.None));

        // The holder's PostgreSQL session ends (a silo cut off, a backend killed): its lock goes with it.
        Assert.Equal(1, await database.ScalarAsync<int>(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND granted"));
        await Eventually.HoldsAsync(() => second.HoldAsync(CancellationToken.None), TimeSpan.FromSeconds(10),
            "no other silo took the lease after its holder's session ended");

        // The first one finds its connection broken at its next try, lets go, and the lease is taken.
        Assert.False(await first.HoldAsync(CancellationToken.None));
        Assert.False(first.Held);
    }
}
