using EventsSubscriptions.Grains.Interfaces.Filters;

namespace EventsSubscriptions.Grains.Tests.Subscriptions;

/// <summary>
/// Each subscription's health is its own: many subscription grains of one silo load and save
/// their state side by side (failing, succeeding, new, reactivated), and each shows only what
/// happened to it, in its grain and in the listing's copy.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HealthIsolationTests : ReceiverClusterTest
{
    private readonly string resource = $"health{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task Subscriptions_created_among_failing_and_succeeding_ones_start_clean_and_keep_their_own_counts()
    {
        var failing = new List<long>();
        var succeeding = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            failing.Add(await CreateAsync(Receiver.Url($"down{i}", "503")));
            succeeding.Add(await CreateAsync(Receiver.Url($"up{i}", "200")));
        }
        for (var entity = 1; entity <= 2; entity++)
        {
            foreach (var id in failing.Concat(succeeding))
            {
                await Grain(id).EnqueueAsync(Event(entity));
            }
        }
        // Every failing one exhausts its two deliveries (3 attempts each); the others succeed twice.
        foreach (var id in failing)
        {
            await WaitForAsync(id, v => v.Health.ConsecutiveFailures == 6 && v.Health.PendingDeliveries == 0);
        }
        foreach (var id in succeeding)
        {
            await WaitForAsync(id, v => v.Health.State == HealthState.Healthy && v.Health.PendingDeliveries == 0);
        }

        // Created now, among them: never called, so nothing to show.
        var fresh = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            fresh.Add(await CreateAsync(Receiver.Url($"fresh{i}", "200")));
        }
        foreach (var id in fresh)
        {
            AssertUntouched((await Grain(id).GetAsync())!);
        }

        // Every grain is unloaded and loaded again from storage, one after another in one silo.
        await Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        foreach (var id in fresh)
        {
            AssertUntouched((await Grain(id).GetAsync())!);
        }
        foreach (var id in failing)
        {
            var view = (await Grain(id).GetAsync())!;
            Assert.Equal((HealthState.Failing, 6, (DateTimeOffset?)null), (view.Health.State, view.Health.ConsecutiveFailures, view.Health.LastSuccessOn));
            Assert.Equal("the receiver answered 503 Service Unavailable", view.Health.LastError);
            Assert.True(view.Health.LastFailureOn >= view.CreatedOn);
        }
        foreach (var id in succeeding)
        {
            var view = (await Grain(id).GetAsync())!;
            Assert.Equal((HealthState.Healthy, 0, (DateTimeOffset?)null, (string?)null),
                (view.Health.State, view.Health.ConsecutiveFailures, view.Health.LastFailureOn, view.Health.LastError));
            Assert.True(view.Health.LastSuccessOn >= view.CreatedOn);
        }

        // One of the new ones succeeds once: only its own success counts.
        await Grain(fresh[0]).EnqueueAsync(Event(9));
        var sent = await WaitForAsync(fresh[0], v => v.Health.State == HealthState.Healthy);
        Assert.Equal((0, (DateTimeOffset?)null), (sent.Health.ConsecutiveFailures, sent.Health.LastFailureOn));
        foreach (var id in fresh.Skip(1))
        {
            AssertUntouched((await Grain(id).GetAsync())!);
        }

        // The listing tells the same health as the grains, and filters by it.
        var list = Cluster.Client.GetGrain<ISubscriptionQueryGrain>(0);
        await Eventually.HoldsAsync(async () =>
        {
            var page = await list.ListAsync("default", Query(new ListFilter(ListField.HealthState, FilterOperator.Equal, ["FAILING"])));
            return page.Items.Select(v => v.Id).Order().SequenceEqual(failing.Order())
                && page.Items.All(v => v.Health.ConsecutiveFailures == 6);
        }, TimeSpan.FromSeconds(30), "the listing's FAILING subscriptions never matched the failing grains");
        // The listing's copy is written within a quarter of a second of each change.
        await Eventually.HoldsAsync(async () =>
        {
            foreach (var item in (await list.ListAsync("default", Query())).Items)
            {
                if ((await Grain(item.Id).GetAsync())!.Health with { PendingDeliveries = 0 } != item.Health with { PendingDeliveries = 0 })
                {
                    return false;
                }
            }
            return true;
        }, TimeSpan.FromSeconds(30), "the listing never told each subscription's health as its grain does");
        var unknown = await list.ListAsync("default", Query(new ListFilter(ListField.HealthState, FilterOperator.In, ["UNKNOWN"])));
        Assert.Equal(fresh.Skip(1).Order(), unknown.Items.Select(v => v.Id).Order());
    }

    [Fact]
    public async Task Health_saved_by_an_older_version_is_derived_again_from_the_subscriptions_own_log()
    {
        // A subscription that failed once, then one that never was called.
        var failed = await CreateAsync(Receiver.Url("once", "503 200"));
        await Grain(failed).EnqueueAsync(Event(1));
        await WaitForAsync(failed, v => v.Health.State == HealthState.Healthy);
        var untouched = await CreateAsync(Receiver.Url("never", "200"));
        await Cluster.StopAllAsync();

        // Stored as the earlier version left it: another subscription's health, no repair mark.
        await ExecuteAsync("""
            UPDATE orleans_grain_state SET payloadbinary = convert_to($1, 'UTF8'), version = version + 1
            WHERE graintypestring = 'subscription' AND grainidn1 = $2
            """, LegacyState(untouched), untouched);
        await ExecuteAsync("""
            UPDATE subscription_list SET health_state = 'FAILING',
                view = jsonb_set(view, '{health}', '{"state":"Failing","consecutiveFailures":1,"lastError":"the receiver answered 503 Service Unavailable","pendingDeliveries":0}')
            WHERE id = $1
            """, untouched);

        await StartSiloAsync();
        await Cluster.StartClientAsync();
        await Cluster.WaitForActiveSilosAsync(1);

        AssertUntouched((await Grain(untouched).GetAsync())!);
        var listed = (await Cluster.Client.GetGrain<ISubscriptionQueryGrain>(0).ListAsync("default", 
            Query(new ListFilter(ListField.Id, FilterOperator.Equal, [untouched.ToString()])))).Items.Single();
        AssertUntouched(listed);
        var kept = (await Grain(failed).GetAsync())!;
        Assert.Equal((HealthState.Healthy, 0), (kept.Health.State, kept.Health.ConsecutiveFailures));
        Assert.NotNull(kept.Health.LastFailureOn);
        Assert.Equal(0, await Database.ScalarAsync<int>(
            $"SELECT count(*) FROM orleans_grain_state WHERE graintypestring = 'subscription' AND grainidn1 = {untouched} AND get_byte(payloadbinary, 0) <> 1"));
    }

    private static void AssertUntouched(SubscriptionView view) =>
        Assert.Equal(SubscriptionHealth.None, view.Health with { PendingDeliveries = 0 });

    private string LegacyState(long id) =>
        "{\"$id\":\"1\",\"$type\":\"EventsSubscriptions.Grains.Subscriptions.SubscriptionState, EventsSubscriptions.Grains\"," +
        "\"Spec\":{\"$id\":\"2\",\"CustomId\":\"legacy-" + id + "\",\"Name\":\"legacy\",\"Events\":{\"$type\":\"System.String[], System.Private.CoreLib\",\"$values\":[\"entity:" + resource + ":updated\"]}," +
        "\"Resource\":\"" + resource + "\",\"ContextFilters\":{\"$id\":\"3\",\"Filters\":{\"$values\":[{\"$id\":\"4\",\"Tag\":\"context.*\"}]},\"Exclusions\":{\"$values\":[]}}," +
        "\"Url\":\"" + Receiver.Url("never", "200") + "\",\"SecretHeaderName\":\"X-Secret\",\"Language\":\"en-US\"," +
        "\"Delivery\":{\"$id\":\"5\",\"MaxInFlight\":8,\"TimeoutSeconds\":15}}," +
        "\"CreatedOn\":\"" + DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O") + "\",\"UpdatedOn\":\"" + DateTimeOffset.UtcNow.ToString("O") + "\"," +
        "\"Status\":0,\"Health\":{\"$id\":\"6\",\"State\":2,\"ConsecutiveFailures\":1,\"LastSuccessOn\":\"2020-01-01T00:00:00+00:00\"," +
        "\"LastFailureOn\":\"2020-01-01T00:00:00+00:00\",\"LastError\":\"the receiver answered 503 Service Unavailable\"}," +
        "\"Version\":1,\"ProjectedVersion\":1,\"IndexedResource\":\"" + resource + "\"}";

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private static SubscriptionListQuery Query(params ListFilter[] filters) => new(filters, [], 100, 0, false);

    private Task<long> CreateAsync(string url) => CreateSubscriptionAsync(resource, url);

    private async Task<SubscriptionView> WaitForAsync(long id, Func<SubscriptionView, bool> condition)
    {
        SubscriptionView view = null!;
        await Eventually.HoldsAsync(async () => condition(view = (await Grain(id).GetAsync())!), TimeSpan.FromSeconds(30),
            $"subscription {id} never reached the expected health");
        return view;
    }

    private EntityEvent Event(long entity) => new(
        Guid.CreateVersion7().ToString(), resource, "updated", entity, [],
        new JsonObject { ["id"] = entity }.ToJsonString(), DateTimeOffset.UtcNow, null, 1);

}
