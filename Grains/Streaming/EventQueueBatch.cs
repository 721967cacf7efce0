using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Streams;

namespace EventsSubscriptions.Grains.Streaming;

/// <summary>
/// One message of the event queue: the events one producer call appended to one stream. Its
/// token is the message's id, which grows in commit order for the events of one entity.
/// </summary>
[GenerateSerializer, Alias("es.EventQueueBatch")]
public sealed class EventQueueBatch : IBatchContainer
{
    public EventQueueBatch(StreamId streamId, List<object> events, Dictionary<string, object>? requestContext)
    {
        StreamId = streamId;
        Events = events;
        RequestContext = requestContext;
    }

    [Id(0)] public StreamId StreamId { get; }

    [Id(1)] public List<object> Events { get; }

    [Id(2)] public Dictionary<string, object>? RequestContext { get; }

    /// <summary>Set when the message is read from its queue: the message id as a stream token.</summary>
    [Id(3)] public EventSequenceTokenV2? Token { get; set; }

    /// <summary>The claim this copy was read under; only it may delete the message.</summary>
    [Id(4)] public int Receipt { get; set; }

    StreamSequenceToken IBatchContainer.SequenceToken =>
        Token ?? throw new InvalidOperationException("A message that was not read from its queue has no token.");

    /// <summary>The message's id in its queue.</summary>
    public long MessageId => Token?.SequenceNumber ?? 0;

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>()
    {
        var token = Token ?? throw new InvalidOperationException("A message that was not read from its queue has no token.");
        for (var i = 0; i < Events.Count; i++)
        {
            if (Events[i] is T item)
            {
                yield return Tuple.Create<T, StreamSequenceToken>(item, token.CreateSequenceTokenForEvent(i));
            }
        }
    }

    public bool ImportRequestContext()
    {
        if (RequestContext is null)
        {
            return false;
        }
        RequestContextExtensions.Import(RequestContext);
        return true;
    }

    public override string ToString() => $"[EventQueueBatch {StreamId} #{MessageId}, {Events.Count} event(s)]";
}
