using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Streams;

namespace EventsSubscriptions.Grains.Streaming;

/// <summary>
/// The stream provider of the entity events: Orleans' persistent streams (pulling agents, queue
/// balancing, the cache, implicit subscriptions) over the service's own PostgreSQL queue.
/// </summary>
public sealed class EventQueueAdapterFactory(
    string name, EventQueue events, EventQueueSignal signal, SimpleQueueCacheOptions cacheOptions, TimeProvider clock, ILoggerFactory loggerFactory,
    Hosting.ISiloFence fence)
    : IQueueAdapterFactory
{
    private readonly SimpleQueueAdapterCache cache = new(cacheOptions, name, loggerFactory);

    /// <summary>This silo's receiver of each queue it pulls (the failure handler tells it what was handed back).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, EventQueueReceiver> receivers = new();

    /// <summary>The entry point given to <c>AddPersistentStreams</c>.</summary>
    public static IQueueAdapterFactory Create(IServiceProvider services, string name)
    {
        var events = services.GetRequiredService<EventQueue>();
        if (events.ProviderName != name)
        {
            throw new InvalidOperationException($"The event queue serves stream provider '{events.ProviderName}', not '{name}'.");
        }
        return new EventQueueAdapterFactory(name, events, services.GetRequiredService<EventQueueSignal>(),
            services.GetOptionsByName<SimpleQueueCacheOptions>(name), TimeProvider.System, services.GetRequiredService<ILoggerFactory>(),
            services.GetRequiredService<Hosting.ISiloFence>());
    }

    public Task<IQueueAdapter> CreateAdapter() =>
        Task.FromResult<IQueueAdapter>(new EventQueueAdapter(name, events, signal, clock, loggerFactory, receivers, fence));

    public IQueueAdapterCache GetQueueAdapterCache() => cache;

    public IStreamQueueMapper GetStreamQueueMapper() => events.Mapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) =>
        Task.FromResult<IStreamFailureHandler>(new EventQueueFailureHandler(events, signal, receivers, loggerFactory.CreateLogger<EventQueueFailureHandler>()));
}

public sealed class EventQueueAdapter(
    string name, EventQueue events, EventQueueSignal signal, TimeProvider clock, ILoggerFactory loggerFactory,
    System.Collections.Concurrent.ConcurrentDictionary<int, EventQueueReceiver> receivers, Hosting.ISiloFence fence) : IQueueAdapter
{
    public string Name => name;

    public bool IsRewindable => false;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId)
    {
        var receiver = new EventQueueReceiver(EventQueue.Number(queueId), events, signal, clock, fence, loggerFactory.CreateLogger<EventQueueReceiver>());
        receivers[receiver.Queue] = receiver;
        return receiver;
    }

    public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> items, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        if (token is not null)
        {
            throw new ArgumentException("The event queue assigns the tokens; a producer cannot give one.", nameof(token));
        }
        return events.AppendAsync(streamId, items.Cast<object>().ToList(), requestContext);
    }
}

/// <summary>
/// A delivery the pulling agent gave up on (its consumer kept failing for the agent's delivery
/// time): the messages the queue's receiver handed to the agent from the failed one on are
/// released, to be read and delivered again, instead of being deleted with the cache's next purge. A failed delivery spends
/// no attempt: an outage of the consumers is waited out, however long it lasts.
/// </summary>
public sealed partial class EventQueueFailureHandler(
    EventQueue events, EventQueueSignal signal, System.Collections.Concurrent.ConcurrentDictionary<int, EventQueueReceiver> receivers,
    ILogger<EventQueueFailureHandler> logger) : IStreamFailureHandler
{
    public bool ShouldFaultSubsriptionOnError => false;

    public async Task OnDeliveryFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken)
    {
        var queue = events.QueueOf(streamIdentity);
        // No receiver: the queue moved, and its receiver handed back what it held when it stopped.
        if (sequenceToken is null || !receivers.TryGetValue(queue, out var receiver))
        {
            return;
        }
        var handBack = receiver.TakeFrom(sequenceToken.SequenceNumber);
        var released = handBack.Count == 0 ? 0 : await events.Store.ReleaseAsync(queue, handBack);
        signal.Mark(queue);
        LogReleased(streamIdentity.ToString(), sequenceToken.SequenceNumber, queue, released);
    }

    public Task OnSubscriptionFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken) =>
        Task.CompletedTask;

    [LoggerMessage(1, LogLevel.Warning, "Delivery of stream {Stream} failed at token {Token}: {Released} message(s) of queue {Queue} will be delivered again")]
    private partial void LogReleased(string stream, long token, int queue, int released);
}
