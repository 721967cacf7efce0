namespace EventsSubscriptions.Grains.Tests.Hosting;

[Trait("Category", "Integration")]
[Collection(SharedClusterCollection.Name)]
public sealed class StreamTests(SharedClusterFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Events_reach_the_implicit_subscriber_exactly_as_sent_in_order_and_leave_the_queue()
    {
        var key = $"order-{Guid.NewGuid():N}";
        var producer = fixture.Cluster.Client.GetGrain<IProbeProducerGrain>(key);
        var sent = Enumerable.Range(1, 100)
            .Select(i => new ProbeMessage(key, i, $"body {i} ✓ \"quoted\" {new string('x', i * 10)}", false))
            .ToList();

        foreach (var message in sent)
        {
            await producer.PublishAsync(message);
        }

        await Eventually.HoldsAsync(() => Received(key).Count >= sent.Count, Patience, "not every event arrived");
        Assert.Equal(sent, Received(key));
        await AssertQueuesDrainAsync();
    }

    [Fact]
    public async Task Events_of_many_stream_keys_each_arrive_in_order()
    {
        var keys = Enumerable.Range(0, 8).Select(i => $"many-{i}-{Guid.NewGuid():N}").ToList();

        await Task.WhenAll(keys.Select(async key =>
        {
            var producer = fixture.Cluster.Client.GetGrain<IProbeProducerGrain>(key);
            for (var i = 1; i <= 25; i++)
            {
                await producer.PublishAsync(new ProbeMessage(key, i, $"{key}:{i}", false));
            }
        }));

        await Eventually.HoldsAsync(() => keys.All(k => Received(k).Count >= 25), Patience, "not every event arrived");
        foreach (var key in keys)
        {
            Assert.Equal(Enumerable.Range(1, 25), Received(key).Select(m => m.Sequence));
        }
        await AssertQueuesDrainAsync();
    }

    [Fact]
    public async Task An_event_whose_consumer_throws_is_delivered_again()
    {
        var key = $"retry-{Guid.NewGuid():N}";
        var producer = fixture.Cluster.Client.GetGrain<IProbeProducerGrain>(key);

        await producer.PublishAsync(new ProbeMessage(key, 1, "fails once", true));
        await producer.PublishAsync(new ProbeMessage(key, 2, "after it", false));

        await Eventually.HoldsAsync(() => Received(key).Count >= 2, Patience, "the failed event was not delivered again");
        Assert.True(ProbeConsumerGrain.Failures.ContainsKey($"{key}/1"));
        Assert.Equal([1, 2], Received(key).Select(m => m.Sequence));
        await AssertQueuesDrainAsync();
        Assert.Equal(0, await fixture.Database.ScalarAsync<int>("SELECT count(*) FROM event_queue_dead_letter"));
    }

    private static List<ProbeMessage> Received(string key) =>
        ProbeConsumerGrain.Received.TryGetValue(key, out var queue) ? [.. queue] : [];

    private Task AssertQueuesDrainAsync() =>
        Eventually.HoldsAsync(
            async () => await fixture.Database.ScalarAsync<int>("SELECT count(*) FROM event_queue") == 0,
            Patience, "delivered events were left in the queue table");
}
