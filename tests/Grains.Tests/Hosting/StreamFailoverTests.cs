using Xunit.Abstractions;

namespace EventsSubscriptions.Grains.Tests.Hosting;

/// <summary>
/// The ADO.NET stream provider is alpha: these tests lean on it hard. What it guarantees after a
/// silo dies is at-least-once: the messages the dead silo had claimed become visible again only
/// after the visibility timeout, while the survivor goes on with the later ones of the same queue.
/// So the first arrivals of a key are in order except for the events in flight at the crash (seen
/// in about one run in ten); the service orders deliveries by each entity's sequence number where
/// both are queued (see the durability tests), and README states the limit.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StreamFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_stopped_abruptly_during_a_burst_loses_no_accepted_event()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
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
        var accepted = 0;
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
                        Interlocked.Increment(ref accepted);
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
        // Accepted and not yet seen at the stop: what may be in flight on the stopped silo.
        var inFlightAtKill = Volatile.Read(ref accepted) - keys.Sum(k => Received(k).Select(m => m.Sequence).Distinct().Count());
        await victim.StopAsync(new CancellationToken(canceled: true));
        await Task.WhenAll(publishers);

        await Eventually.HoldsAsync(
            () => keys.All(k => Received(k).Select(m => m.Sequence).Distinct().Count() == perKey),
            TimeSpan.FromSeconds(150), "accepted events were lost");
        output.WriteLine($"received before the stop: {receivedAtKill}; deliveries in all: {keys.Sum(k => Received(k).Count)} " +
                         $"for {keys.Count * perKey} events");
        // Out of order: first arrivals preceded by the first arrival of a later sequence.
        var displaced = keys.Sum(key =>
        {
            var firstSeen = Received(key).Select(m => m.Sequence).Distinct().ToList();
            return firstSeen.Where((sequence, i) => firstSeen.Take(i).Any(earlier => earlier > sequence)).Count();
        });
        output.WriteLine($"first arrivals out of order (in flight at the stop): {displaced} of {keys.Count * perKey}");
        // Only events in flight at the stop may arrive late (counted as the stop began, so a slow
        // machine that had more in flight is not held to a fixed number), never most of them.
        output.WriteLine($"in flight at the stop: {inFlightAtKill}");
        Assert.InRange(displaced, 0, Math.Max(inFlightAtKill, keys.Count * perKey / 10));
        Assert.True(displaced < keys.Count * perKey / 2, $"{displaced} of {keys.Count * perKey} arrived out of order");
    }

    private static List<ProbeMessage> Received(string key) =>
        ProbeConsumerGrain.Received.TryGetValue(key, out var queue) ? [.. queue] : [];
}
