namespace EventsSubscriptions.Grains.Tests.Routing;

/// <summary>
/// A subscription that cannot take events (its stored state cannot be read) never holds back the
/// events of the others: they are delivered, its own are kept as routing dead letters, and it requeues them once
/// it can activate again.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PoisonSubscriptionTests : ReceiverClusterTest
{
    private readonly string resource = $"poison{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task A_subscription_that_cannot_activate_has_its_events_set_apart_and_takes_them_back_later()
    {
        var healthy = await CreateAsync("healthy");
        var poison = await CreateAsync("poison");
        var stored = await PayloadAsync(poison);
        await Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await SetPayloadAsync(poison, [0x01, 0xFF, 0xFF, 0xFF]);

        // Two changes of one entity, and one of another: the healthy subscription gets them all, in order.
        var entity = Cluster.Client.GetGrain<IEntityGrain>($"{resource}/1");
        Assert.Equal(EntityOutcome.Ok, (await entity.PutAsync("""{"id": 1, "step": 1}""")).Outcome);
        Assert.Equal(EntityOutcome.Ok, (await entity.PutAsync("""{"id": 1, "step": 2}""")).Outcome);
        Assert.Equal(EntityOutcome.Ok, (await Cluster.Client.GetGrain<IEntityGrain>($"{resource}/2").PutAsync("""{"id": 2, "step": 1}""")).Outcome);
        await Eventually.HoldsAsync(() => Receiver.Calls("healthy").Count == 3, TimeSpan.FromSeconds(60),
            "the healthy subscription did not get its three events while the other could not take them");
        Assert.Equal([1, 2], Receiver.Calls("healthy").Select(c => JsonNode.Parse(c.Body)!["data"]!).Where(d => (long)d["id"]! == 1).Select(d => (int)d["step"]!));
        await Eventually.HoldsAsync(async () => await Database.ScalarAsync<int>(
            $"SELECT count(*) FROM routing_dead_letter WHERE subscription_id = {poison}") == 3, TimeSpan.FromSeconds(30),
            "the poison subscription's events were not kept as routing dead letters");
        Assert.Empty(Receiver.Calls("poison"));

        // Its state is repaired: the next activation takes its events back and sends them, in order.
        await SetPayloadAsync(poison, stored);
        Assert.NotNull(await Cluster.Client.GetGrain<ISubscriptionGrain>(poison).GetAsync());
        await Eventually.HoldsAsync(() => Receiver.Calls("poison").Count == 3, TimeSpan.FromSeconds(30),
            "the dead-lettered events were not delivered once the subscription could activate");
        Assert.Equal([1, 2], Receiver.Calls("poison").Select(c => JsonNode.Parse(c.Body)!["data"]!).Where(d => (long)d["id"]! == 1).Select(d => (int)d["step"]!));
        Assert.Equal(0, await Database.ScalarAsync<int>($"SELECT count(*) FROM routing_dead_letter WHERE subscription_id = {poison}"));
    }

    [Fact]
    public async Task A_poison_subscription_alone_on_its_resource_does_not_hold_the_stream_queue()
    {
        var poison = await CreateAsync("alone");
        await Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await SetPayloadAsync(poison, [0x01, 0xFF, 0xFF, 0xFF]);

        Assert.Equal(EntityOutcome.Ok, (await Cluster.Client.GetGrain<IEntityGrain>($"{resource}/1").PutAsync("""{"id": 1}""")).Outcome);

        // Its only match failing is no outage: the event is set apart, and the queue goes on.
        await Eventually.HoldsAsync(async () => await Database.ScalarAsync<int>(
            $"SELECT count(*) FROM routing_dead_letter WHERE subscription_id = {poison}") == 1, TimeSpan.FromSeconds(30),
            "the event of the only (poison) subscription was not set apart");
        await Eventually.HoldsAsync(async () => await Database.ScalarAsync<int>("SELECT count(*) FROM event_queue") == 0,
            TimeSpan.FromSeconds(30), "the stream message was not acknowledged");
    }

    private async Task<byte[]> PayloadAsync(long id)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT payloadbinary FROM orleans_grain_state WHERE graintypestring = 'subscription' AND grainidn1 = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (byte[])(await command.ExecuteScalarAsync())!;
    }

    private async Task SetPayloadAsync(long id, byte[] payload)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "UPDATE orleans_grain_state SET payloadbinary = $2 WHERE graintypestring = 'subscription' AND grainidn1 = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = payload });
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private async Task<long> CreateAsync(string name)
    {
        var id = await Cluster.Client.GetGrain<IIdSequenceGrain>(IdSequences.Subscriptions).NextAsync();
        var result = await Cluster.Client.GetGrain<ISubscriptionGrain>(id).CreateAsync(
            TestSpecs.Subscription(resource, Receiver.Url(name), "created", "updated") with { Name = name }, new SecretText("poison-secret-0123456789"), null);
        Assert.Equal(SubscriptionOutcome.Ok, result.Outcome);
        return id;
    }
}
