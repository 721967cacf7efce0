namespace EventsSubscriptions.Grains.Tests.Persistence;

/// <summary>One item the database refuses never fails the items batched with it.</summary>
[Trait("Category", "Unit")]
public sealed class BatchingWriterTests
{
    /// <summary>Refuses any batch holding a poison item as PostgreSQL would (22021: invalid byte sequence), or fails every batch while "down".</summary>
    private sealed class ProbeWriter(ISet<int> poison) : BatchingWriter<int, int>(NullLogger.Instance, maxBatch: 64)
    {
        public int Statements;
        public bool Down;

        /// <summary>While set, each round trip waits for it to complete (a slow commit).</summary>
        public TaskCompletionSource? Held;

        public Task<int> WriteOneAsync(int item) => EnqueueAsync(item);

        protected override async Task<IReadOnlyList<int>> WriteAsync(IReadOnlyList<int> batch, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Statements);
            if (Held is { } held)
            {
                await held.Task.WaitAsync(cancellationToken);
            }
            if (Down)
            {
                throw new NpgsqlException("connection refused");
            }
            if (batch.Any(poison.Contains))
            {
                throw new PostgresException("invalid byte sequence for encoding \"UTF8\": 0x00", "ERROR", "ERROR", "22021");
            }
            return [.. batch.Select(i => i * 10)];
        }
    }

    [Fact]
    public async Task A_poison_item_fails_alone_and_every_other_item_of_its_batch_is_written()
    {
        var writer = new ProbeWriter(new HashSet<int> { 17, 40 });
        await writer.StartAsync(CancellationToken.None);

        var writes = Enumerable.Range(1, 50).Select(i => (Item: i, Task: writer.WriteOneAsync(i))).ToList();
        await Task.WhenAll(writes.Select(w => w.Task.ContinueWith(_ => { })));
        await writer.StopAsync(CancellationToken.None);
        // Time is the thing tested: a burst counts as over once its gap has passed.
        await Task.Delay(BatchingWriter<int, int>.BurstGap * 3);
        Assert.False(writer.Coalescing(0.5), "items of the split batches were still counted as waiting for a round trip");

        foreach (var (item, task) in writes)
        {
            if (item is 17 or 40)
            {
                var refused = await Assert.ThrowsAsync<PostgresException>(() => task);
                Assert.Equal("22021", refused.SqlState);
            }
            else
            {
                Assert.Equal(item * 10, await task);
            }
        }
    }

    [Fact]
    public async Task A_burst_is_seen_while_callers_queue_for_round_trips_and_a_wait_for_its_end_is_bounded()
    {
        var writer = new ProbeWriter(new HashSet<int>());
        await writer.StartAsync(CancellationToken.None);

        // One item at a time, each awaited: no burst, and a wait for one returns at once.
        for (var i = 0; i < 20; i++)
        {
            await writer.WriteOneAsync(i);
        }
        Assert.False(writer.Coalescing(4), "items written one at a time were taken for a burst");
        Assert.Equal(TimeSpan.Zero, await writer.WaitWhileCoalescingAsync(4, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.False(writer.Coalescing(0), "0 turns the signal off");

        // Slow round trips while many callers queue: each round trip carries what queued meanwhile.
        for (var round = 0; round < 4; round++)
        {
            writer.Held = new TaskCompletionSource();
            var first = writer.WriteOneAsync(1000);
            await Eventually.HoldsAsync(() => writer.Statements > 20 + round * 2, TimeSpan.FromSeconds(10), "the held round trip did not start");
            var queued = Enumerable.Range(0, 30).Select(writer.WriteOneAsync).ToList();
            var held = writer.Held;
            writer.Held = null;
            held.SetResult();
            await first;
            await Task.WhenAll(queued);
        }

        // Items waiting for a slow round trip keep the burst on however long it takes; a wait for
        // its end gives up after the longest it was allowed.
        writer.Held = new TaskCompletionSource();
        var stuck = writer.WriteOneAsync(2000);
        // Time is the thing tested: past the gap, a slow round trip still keeps the burst on.
        await Task.Delay(BatchingWriter<int, int>.BurstGap * 3);
        Assert.True(writer.Coalescing(4), "a burst whose round trip is slow was taken for its end");
        var waited = await writer.WaitWhileCoalescingAsync(4, TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.InRange(waited, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));

        // A wait is cut short by its cancellation.
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            var cut = await writer.WaitWhileCoalescingAsync(4, TimeSpan.FromMinutes(5), cancel.Token);
            Assert.True(cut > TimeSpan.Zero && cut < TimeSpan.FromSeconds(5), $"a wait cancelled after 100 ms lasted {cut}");
        }

        // Once nothing waits and the last round trip is older than the gap, the burst is over, and
        // a wait that started during it ends then rather than at its longest.
        var during = writer.WaitWhileCoalescingAsync(4, TimeSpan.FromMinutes(5), CancellationToken.None);
        var releasing = writer.Held;
        writer.Held = null;
        releasing.SetResult();
        await stuck;
        var ended = await during.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(ended < TimeSpan.FromSeconds(10), $"the wait lasted {ended}");
        Assert.False(writer.Coalescing(4), "the burst was still on after its last round trip");
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_lost_connection_fails_the_batch_without_splitting_it()
    {
        var writer = new ProbeWriter(new HashSet<int>()) { Down = true };
        await writer.StartAsync(CancellationToken.None);

        var writes = Enumerable.Range(1, 32).Select(writer.WriteOneAsync).ToList();
        await Task.WhenAll(writes.Select(w => w.ContinueWith(_ => { })));
        await writer.StopAsync(CancellationToken.None);

        Assert.All(writes, w => Assert.IsType<NpgsqlException>(w.Exception!.InnerException));
        Assert.True(writer.Statements <= 32, $"{writer.Statements} statements for 32 items: the batch was split on an outage");
    }
}
