using EventsSubscriptions.Grains.Tests.Infrastructure;
using EventsSubscriptions.Grains.Tests.Probes;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace EventsSubscriptions.Grains.Tests.Hosting;

/// <summary>The ADO.NET stream provider is alpha: these tests lean on it hard.</summary>
public sealed class StreamFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_stopped_abruptly_during_a_burst_loses_no_accepted_event_and_keeps_order_per_key()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new TestCluster(database);
        static void FastRedelivery(IConfigurationBuilder c) => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Streams:VisibilityTimeoutSeconds"] = "5",
        });
        await cluster.StartSiloAsync(FastRedelivery);
        var victim = await cluster.StartSiloAsync(FastRedelivery);
        await cluster.StartClientAsync();
        await cluster.WaitForActiveSilosAsync(2);

        var run = Guid.NewGuid().ToString("N")[..8];
        var keys = Enumerable.Range(0, 20).Select(i => $"burst-{run}-{i}").ToList();
        const int perKey = 100;
        var publishers = keys.Select(async key =>
        {
            for (var sequence = 1; sequence <= perKey; sequence++)
            {
                // An event counts as accepted once a publish call returned; a failed call is
                // retried, as a client of the API would (duplicates are allowed, losses are not).
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        await cluster.Client.GetGrain<IProbeProducerGrain>(key)
                            .PublishAsync(new ProbeMessage(key, sequence, $"{key}#{sequence}", false));
                        break;
                    }
                    catch (Exception) when (attempt < 50)
                    {
                        await Task.Delay(200);
                    }
                }
            }
        }).ToList();

        await Eventually.HoldsAsync(() => keys.Sum(k => Received(k).Count) >= keys.Count * perKey / 3,
            TimeSpan.FromSeconds(60), "the burst did not get going");
        var receivedAtKill = keys.Sum(k => Received(k).Count);
        await victim.StopAsync(new CancellationToken(canceled: true));
        await Task.WhenAll(publishers);

        await Eventually.HoldsAsync(
            () => keys.All(k => Received(k).Select(m => m.Sequence).Distinct().Count() == perKey),
            TimeSpan.FromSeconds(150), "accepted events were lost");
        output.WriteLine($"received before the stop: {receivedAtKill}; deliveries in all: {keys.Sum(k => Received(k).Count)} " +
                         $"for {keys.Count * perKey} events");
        foreach (var key in keys)
        {
            var firstSeen = Received(key).Select(m => m.Sequence).Distinct().ToList();
            Assert.Equal(Enumerable.Range(1, perKey), firstSeen);
        }
    }

    private static List<ProbeMessage> Received(string key) =>
        ProbeConsumerGrain.Received.TryGetValue(key, out var queue) ? [.. queue] : [];
}
