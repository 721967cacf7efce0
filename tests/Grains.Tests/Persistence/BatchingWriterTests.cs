using EventsSubscriptions.Grains.Persistence;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

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

        public Task<int> WriteOneAsync(int item) => EnqueueAsync(item);

        protected override Task<IReadOnlyList<int>> WriteAsync(IReadOnlyList<int> batch, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Statements);
            if (Down)
            {
                throw new NpgsqlException("connection refused");
            }
            if (batch.Any(poison.Contains))
            {
                throw new PostgresException("invalid byte sequence for encoding \"UTF8\": 0x00", "ERROR", "ERROR", "22021");
            }
            return Task.FromResult<IReadOnlyList<int>>([.. batch.Select(i => i * 10)]);
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
