using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streams;

namespace EventsSubscriptions.Grains.Streaming;

/// <summary>
/// The producer's side of the event stream, shared by the stream adapter and the entity grains:
/// which queue a stream lives in, and the stored form of a message.
/// </summary>
public sealed class EventQueue
{
    private readonly Serializer<EventQueueBatch> serializer;

    public EventQueue(string providerName, StreamSettings options, EventQueueStore store, Serializer<EventQueueBatch> serializer)
    {
        ProviderName = providerName;
        Options = options;
        Store = store;
        this.serializer = serializer;
        Mapper = new HashRingBasedStreamQueueMapper(new HashRingStreamQueueMapperOptions { TotalQueueCount = options.Queues }, providerName);
    }

    public string ProviderName { get; }

    public StreamSettings Options { get; }

    public EventQueueStore Store { get; }

    public HashRingBasedStreamQueueMapper Mapper { get; }

    /// <summary>The queue (0 … Queues − 1) of a stream.</summary>
    public int QueueOf(StreamId streamId) => (int)Mapper.GetQueueForStream(streamId).GetNumericId();

    public static int Number(QueueId queueId) => (int)queueId.GetNumericId();

    public byte[] Pack(StreamId streamId, List<object> events, Dictionary<string, object>? requestContext) =>
        serializer.SerializeToArray(new EventQueueBatch(streamId, events, requestContext));

    /// <summary>A stored message as a batch container with the reader's <paramref name="token"/>; throws if its bytes are not one.</summary>
    public EventQueueBatch Unpack(ClaimedMessage message, long token)
    {
        var batch = serializer.Deserialize(message.Payload) ?? throw new InvalidDataException("an empty message");
        batch.Token = new Orleans.Providers.Streams.Common.EventSequenceTokenV2(token);
        batch.Receipt = message.Receipt;
        batch.MessageId = message.Id;
        return batch;
    }

    /// <summary>Appends events to a stream (a producer of the stream API); completes once durable.</summary>
    public async Task AppendAsync(StreamId streamId, List<object> events, Dictionary<string, object>? requestContext)
    {
        await Store.AppendAsync(new EventQueueItem(null, 0, 0, null, QueueOf(streamId), Pack(streamId, events, requestContext)));
    }
}
