using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Streams;

namespace EventsSubscriptions.Grains.Streaming;

/// <summary>
/// One message of the event queue: the events one producer call appended to one stream. Its
/// token is given by the receiver that read it, in the order it hands messages to the pulling
/// agent's cache (which needs tokens that grow in that order). Message ids do not: ids come from one
/// sequence when a commit is written, so a commit of another silo can make a lower id visible after
/// a higher one was read, and a message handed back is read again after later ones.
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

    /// <summary>Set when the message is read from its queue: its place in the reading receiver's order.</summary>
    [Id(3)] public EventSequenceTokenV2? Token { get; set; }

    /// <summary>The claim this copy was read under; only it may delete the message.</summary>
    [Id(4)] public int Receipt { get; set; }

    /// <summary>Set when the message is read from its queue: its id there.</summary>
    [Id(5)] public long MessageId { get; set; }

    StreamSequenceToken IBatchContainer.SequenceToken =>
        Token ?? throw new InvalidOperationException("A message that was not read from its queue has no token.");

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
