using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.Configuration;

namespace EventsSubscriptions.Grains.Persistence;

/// <summary>A delivery to queue: one (subscription, event) with the body built for it.</summary>
public sealed record OutboxRow(long SubscriptionId, string EventId, string EntityKey, long EntitySequence, string EventName, string Body, DateTimeOffset CreatedOn);

/// <summary>
/// The silo's single writer of <c>delivery_outbox</c>: rows queued by every subscription grain of
/// this silo are coalesced into one INSERT per round trip. Each caller's task completes when its
/// row is durable (true) or was there already (false: a re-delivered event), or fails with the batch.
/// </summary>
public sealed class OutboxWriter(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster, ILogger<OutboxWriter> logger)
    : BackgroundService
{
    private const int MaxBatch = 512;

    private readonly Channel<(OutboxRow Row, TaskCompletionSource<bool> Done)> queue =
        Channel.CreateUnbounded<(OutboxRow, TaskCompletionSource<bool>)>(new UnboundedChannelOptions { SingleReader = true });

    public Task<bool> AppendAsync(OutboxRow row)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!queue.Writer.TryWrite((row, done)))
        {
            done.SetException(new InvalidOperationException("The outbox writer is stopped."));
        }
        return done.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<(OutboxRow Row, TaskCompletionSource<bool> Done)>(MaxBatch);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < MaxBatch && queue.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }
                try
                {
                    var inserted = await InsertAsync(batch, stoppingToken);
                    foreach (var (row, done) in batch)
                    {
                        done.TrySetResult(inserted.Contains((row.SubscriptionId, row.EventId)));
                    }
                }
                catch (Exception e)
                {
                    logger.LogWarning("Outbox batch of {Count} row(s) failed: {Error}", batch.Count, e.Message);
                    foreach (var (_, done) in batch)
                    {
                        done.TrySetException(e);
                    }
                }
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        queue.Writer.TryComplete();
        while (queue.Reader.TryRead(out var left))
        {
            left.Done.TrySetException(new OperationCanceledException("The silo is stopping."));
        }
    }

    private async Task<HashSet<(long, string)>> InsertAsync(List<(OutboxRow Row, TaskCompletionSource<bool> Done)> batch, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO delivery_outbox (service_id, subscription_id, event_id, entity_key, entity_seq, event_name, body, created_on)
            SELECT $1, r.subscription_id, r.event_id, r.entity_key, r.entity_seq, r.event_name, r.body, r.created_on
            FROM unnest($2::bigint[], $3::text[], $4::text[], $8::bigint[], $5::text[], $6::text[], $7::timestamptz[])
                 WITH ORDINALITY AS r(subscription_id, event_id, entity_key, entity_seq, event_name, body, created_on, n)
            ORDER BY r.n
            ON CONFLICT (service_id, subscription_id, event_id) DO NOTHING
            RETURNING subscription_id, event_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.Row.SubscriptionId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.Row.EventId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.Row.EntityKey).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.Row.EventName).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.Row.Body).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.Row.CreatedOn.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.Row.EntitySequence).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        var inserted = new HashSet<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted.Add((reader.GetInt64(0), reader.GetString(1)));
        }
        return inserted;
    }

    /// <summary>How many deliveries of a subscription wait to be sent, and when it last queued one.</summary>
    public async Task<(long Pending, DateTimeOffset? LastQueuedOn)> ReadSubscriptionAsync(long subscriptionId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT count(*) FILTER (WHERE state = 'PENDING'), max(created_on)
            FROM delivery_outbox WHERE service_id = $1 AND subscription_id = $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ServiceId });
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? null : new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero));
    }
}
