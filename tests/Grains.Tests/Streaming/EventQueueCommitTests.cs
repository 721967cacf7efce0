using EventsSubscriptions.Grains.Compatibility;
using Orleans.Providers;
using Orleans.Storage;

namespace EventsSubscriptions.Grains.Tests.Streaming;

/// <summary>An entity's change and its event are one commit on the queue's tables; each test on a cluster and database of its own.</summary>
[Trait("Category", "Integration")]
public sealed class EventQueueCommitTests : IAsyncLifetime
{
    private TestDatabase database = null!;
    private SiloCluster cluster = null!;
    private IHost silo = null!;

    /// <summary>One silo and a client on a database of their own, for each test.</summary>
    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        cluster = new SiloCluster(database);
        silo = await cluster.StartSiloAsync();
        await cluster.StartClientAsync();
    }

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task A_change_is_stored_with_its_event_in_one_commit_and_a_stale_writer_changes_nothing()
    {
        var entity = cluster.Client.GetGrain<IEntityGrain>("employees/41");
        Assert.Equal(EntityOutcome.Ok, (await entity.PutAsync("""{"id": 41, "name": "Ann"}""")).Outcome);
        Assert.Equal(EntityOutcome.Ok, (await entity.PutAsync("""{"id": 41, "name": "Bob"}""")).Outcome);

        Assert.Equal(2L, await database.ScalarAsync<long>(
            $"SELECT sequence FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 41"));
        Assert.Contains("Bob", await database.ScalarAsync<string>(
            $"SELECT snapshot FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 41"));

        // A second writer of the entity that missed the last change (sequence 2 again) is refused:
        // neither its state nor its event is stored.
        var queuedBefore = await database.ScalarAsync<long>("SELECT last_value FROM event_queue_id");
        var written = await database.ScalarAsync<long>($$"""
            SELECT count(*) FROM event_queue_commit('{{cluster.ServiceId}}', ARRAY['employees'], ARRAY[41::bigint], ARRAY[2::bigint],
                ARRAY['{"id": 41, "name": "Stale"}'], ARRAY[0], ARRAY['\x00'::bytea])
            """);
        Assert.Equal(0, written);
        Assert.Equal(queuedBefore, await database.ScalarAsync<long>("SELECT last_value FROM event_queue_id"));
        Assert.Contains("Bob", await database.ScalarAsync<string>(
            $"SELECT snapshot FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 41"));
        Assert.Contains("Bob", await entity.GetAsync());
    }

    [Fact]
    public async Task A_put_that_changes_nothing_fires_nothing_and_names_the_event_that_made_the_entity_so_even_after_reactivation()
    {
        var entity = cluster.Client.GetGrain<IEntityGrain>("employees/950");
        var changed = await entity.PutAsync("""{"id": 950, "name": "Ann"}""");
        Assert.NotNull(changed.EventId);
        Task<long> SequenceAsync() => database.ScalarAsync<long>(
            $"SELECT sequence FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 950");

        // The same body again (a PUT repeated after its answer was lost): no event, the first one named.
        Assert.Equal(changed.EventId, (await entity.PutAsync("""{"id": 950, "name": "Ann"}""")).EventId);
        Assert.Equal(changed.EventId, await database.ScalarAsync<string>(
            $"SELECT event_id FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 950"));

        // Also from a new activation, which reads it with the entity's row.
        await cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(changed.EventId, (await entity.PutAsync("""{"id": 950, "name": "Ann"}""")).EventId);
        Assert.Equal(1L, await SequenceAsync());

        var next = await entity.PutAsync("""{"id": 950, "name": "Bob"}""");
        Assert.NotNull(next.EventId);
        Assert.NotEqual(changed.EventId, next.EventId);
        Assert.Equal(2L, await SequenceAsync());

        // A silo of the previous version (the commit without ids) leaves no stale id behind.
        await database.ScalarAsync<long>($$"""
            SELECT count(*) FROM event_queue_commit('{{cluster.ServiceId}}', ARRAY['employees'], ARRAY[950::bigint], ARRAY[3::bigint],
                ARRAY['{"id": 950, "name": "Old"}'], ARRAY[0], ARRAY['\x00'::bytea])
            """);
        Assert.Equal(3L, await SequenceAsync());
        Assert.Equal("none", await database.ScalarAsync<string>(
            $"SELECT coalesce(event_id, 'none') FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 950"));
    }

    [Fact]
    public async Task A_create_reads_nothing_first_yet_never_writes_over_an_entity_that_is_stored()
    {
        // Stored without its grain ever being active here.
        await database.ScalarAsync<long>($$"""
            SELECT count(*) FROM event_queue_commit('{{cluster.ServiceId}}', ARRAY['employees'], ARRAY[900::bigint], ARRAY[1::bigint],
                ARRAY['{"id": 900, "name": "Stored"}'], ARRAY[0], ARRAY['\x00'::bytea])
            """);
        var queued = await database.ScalarAsync<long>($"SELECT count(*) FROM event_queue WHERE service_id = '{cluster.ServiceId}'");

        var entity = cluster.Client.GetGrain<IEntityGrain>("employees/900");
        Assert.Equal(EntityOutcome.Exists, (await entity.CreateAsync("""{"name": "Created"}""")).Outcome);
        Assert.Contains("Stored", await entity.GetAsync());
        Assert.Contains("Stored", await database.ScalarAsync<string>(
            $"SELECT snapshot FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 900"));
        Assert.Equal(queued, await database.ScalarAsync<long>($"SELECT count(*) FROM event_queue WHERE service_id = '{cluster.ServiceId}'"));

        // A fresh id is created with one commit and no read.
        var fresh = cluster.Client.GetGrain<IEntityGrain>("employees/901");
        Assert.Equal(EntityOutcome.Ok, (await fresh.CreateAsync("""{"name": "New"}""")).Outcome);
        Assert.Equal(EntityOutcome.Exists, (await fresh.CreateAsync("""{"name": "Again"}""")).Outcome);
        Assert.Equal(1L, await database.ScalarAsync<long>(
            $"SELECT sequence FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 901"));
    }

    [Fact]
    public async Task An_entity_saved_by_an_earlier_version_keeps_its_state_and_its_unpublished_event_is_queued()
    {
        var entity = cluster.Client.GetGrain<IEntityGrain>("employees/77");
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
        // Another entity of the earlier version, with nothing left to publish.
        var quiet = cluster.Client.GetGrain<IEntityGrain>("employees/78");
        var quietLegacy = new GrainState<EntityState>(new EntityState { Snapshot = """{"id":78,"name":"Quiet"}""", Sequence = 5 });
        await storage.WriteStateAsync("entity", quiet.GetGrainId(), quietLegacy);
        var legacy = new GrainState<EntityState>(new EntityState
        {
            Snapshot = """{"id":77,"name":"Old"}""",
            Sequence = 3,
            Unpublished = [new EntityEvent(Guid.CreateVersion7().ToString(), "employees", "updated", 77, [], """{"id":77,"name":"Old"}""",
                DateTimeOffset.UtcNow, null, 3)],
        });
        await storage.WriteStateAsync("entity", entity.GetGrainId(), legacy);

        Assert.Contains("Old", await entity.GetAsync());
        Assert.Equal(3L, await database.ScalarAsync<long>(
            $"SELECT sequence FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 77"));
        var reread = new GrainState<EntityState>(new EntityState());
        await storage.ReadStateAsync("entity", entity.GetGrainId(), reread);
        Assert.False(reread.RecordExists, "the earlier version's state was left behind");

        // The next change follows the adopted sequence.
        await entity.PutAsync("""{"id": 77, "name": "New"}""");
        Assert.Equal(4, (await entity.GetState()).Sequence);

        // Without pending events, the old state is read until the first change, which writes the
        // entity's own row and removes the old one.
        Assert.Contains("Quiet", await quiet.GetAsync());
        await quiet.PutAsync("""{"id": 78, "name": "Moved"}""");
        Assert.Equal(6L, await database.ScalarAsync<long>(
            $"SELECT sequence FROM entity_state WHERE service_id = '{cluster.ServiceId}' AND resource = 'employees' AND id = 78"));
        var quietReread = new GrainState<EntityState>(new EntityState());
        await storage.ReadStateAsync("entity", quiet.GetGrainId(), quietReread);
        Assert.False(quietReread.RecordExists, "the earlier version's state outlived the entity's first change");
    }
}
