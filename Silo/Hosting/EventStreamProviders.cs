using Orleans.Streams;

namespace EventsSubscriptions.Silo.Hosting;

/// <summary>
/// The durable entity-event stream: the service's own queue, and, while messages an earlier
/// version wrote remain, Orleans' ADO.NET stream provider that delivers them.
/// </summary>
internal static class EventStreamProviders
{
    public static ISiloBuilder AddEventStreams(this ISiloBuilder builder, StreamSettings streams, string postgres)
    {
        builder.AddPersistentStreams(StorageNames.EventStream, EventQueueAdapterFactory.Create, c =>
        {
            c.ConfigurePullingAgent(ob => ob.Configure(o =>
            {
                o.BatchContainerBatchSize = streams.PullBatchSize;
                o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(streams.PullIntervalMilliseconds);
            }));
            c.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
        });
        if (LegacyStreamMessages(postgres) is > 0 and var legacy)
        {
            // Delivered by the provider that wrote them; a later start finds none and skips this.
            builder.AddAdoNetStreams(StorageNames.LegacyEventStream, (SiloAdoNetStreamConfigurator c) =>
            {
                c.ConfigureAdoNet(ob => ob.Configure(o =>
                {
                    o.Invariant = SiloHostingExtensions.AdoNetInvariant;
                    o.ConnectionString = postgres;
                    o.MaxAttempts = streams.MaxAttempts;
                    o.VisibilityTimeout = TimeSpan.FromSeconds(streams.VisibilityTimeoutSeconds);
                    o.ExpiryTimeout = TimeSpan.FromSeconds(streams.ExpirySeconds);
                    o.DeadLetterEvictionTimeout = TimeSpan.FromSeconds(streams.DeadLetterRetentionSeconds);
                }));
                c.ConfigurePartitioning(streams.Queues);
                c.ConfigurePullingAgent(ob => ob.Configure(o => o.BatchContainerBatchSize = streams.PullBatchSize));
                c.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            });
            Console.WriteLine($"{legacy} event(s) left by an earlier version in orleans_stream_message: delivering them with the earlier stream provider.");
        }
        return builder;
    }

    /// <summary>
    /// How many messages an earlier version left in Orleans' ADO.NET stream table (0 when the table
    /// does not exist yet, or the database cannot be reached now: the next start looks again).
    /// </summary>
    private static long LegacyStreamMessages(string postgres)
    {
        try
        {
            using var connection = new NpgsqlConnection(postgres);
            connection.Open();
            using var command = new NpgsqlCommand("SELECT count(*) FROM orleans_stream_message WHERE providerid = $1", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = StorageNames.LegacyEventStream });
            return (long)command.ExecuteScalar()!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            Console.Error.WriteLine($"Could not look for events left by an earlier version ({e.Message}); the next start looks again.");
            return 0;
        }
    }
}
