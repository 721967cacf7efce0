using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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
    string name, EventQueue events, EventQueueSignal signal, SimpleQueueCacheOptions cacheOptions, TimeProvider clock, ILoggerFactory loggerFactory)
    : IQueueAdapterFactory
{
    private readonly SimpleQueueAdapterCache cache = new(cacheOptions, name, loggerFactory);

    /// <summary>The entry point given to <c>AddPersistentStreams</c>.</summary>
    public static IQueueAdapterFactory Create(IServiceProvider services, string name)
    {
        var events = services.GetRequiredService<EventQueue>();
        if (events.ProviderName != name)
        {
            throw new InvalidOperationException($"The event queue serves stream provider '{events.ProviderName}', not '{name}'.");
        }
        return new EventQueueAdapterFactory(name, events, services.GetRequiredService<EventQueueSignal>(),
            services.GetOptionsByName<SimpleQueueCacheOptions>(name), TimeProvider.System, services.GetRequiredService<ILoggerFactory>());
    }

    public Task<IQueueAdapter> CreateAdapter() =>
        Task.FromResult<IQueueAdapter>(new EventQueueAdapter(name, events, signal, clock, loggerFactory));

    public IQueueAdapterCache GetQueueAdapterCache() => cache;

    public IStreamQueueMapper GetStreamQueueMapper() => events.Mapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) =>
        Task.FromResult<IStreamFailureHandler>(new EventQueueFailureHandler(events, signal, loggerFactory.CreateLogger<EventQueueFailureHandler>()));
}

public sealed class EventQueueAdapter(string name, EventQueue events, EventQueueSignal signal, TimeProvider clock, ILoggerFactory loggerFactory) : IQueueAdapter
{
    public string Name => name;

    public bool IsRewindable => false;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) =>
        new EventQueueReceiver(EventQueue.Number(queueId), events, signal, clock, loggerFactory.CreateLogger<EventQueueReceiver>());

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
/// time): the queue's claimed messages from the failed one on are released, to be read and
/// delivered again (or dead-lettered once their attempts are spent), instead of being deleted
/// with the cache's next purge.
/// </summary>
public sealed partial class EventQueueFailureHandler(EventQueue events, EventQueueSignal signal, ILogger<EventQueueFailureHandler> logger) : IStreamFailureHandler
{
    public bool ShouldFaultSubsriptionOnError => false;

    public async Task OnDeliveryFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken)
    {
        if (sequenceToken is null)
        {
            return;
        }
        var queue = events.QueueOf(streamIdentity);
        var released = await events.Store.FailAsync(queue, sequenceToken.SequenceNumber, events.Options.MaxAttempts);
        signal.Mark(queue);
        LogReleased(streamIdentity.ToString(), sequenceToken.SequenceNumber, queue, released);
    }

    public Task OnSubscriptionFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken) =>
        Task.CompletedTask;

    [LoggerMessage(1, LogLevel.Warning, "Delivery of stream {Stream} failed from message {MessageId}: {Released} message(s) of queue {Queue} will be delivered again")]
    private partial void LogReleased(string stream, long messageId, int queue, int released);
}
