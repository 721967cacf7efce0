using Orleans.Streams;
using Orleans.Streams.Core;

namespace EventsSubscriptions.Grains.Tests.Probes;

// Grains that exercise one piece of infrastructure each: storage, reminders, streams, placement.

[GenerateSerializer, Alias("tests.probe-state")]
public sealed class ProbeState
{
    [Id(0)] public string? Value { get; set; }
    [Id(1)] public int Writes { get; set; }
}

[Alias("tests.IProbeStateGrain")]
public interface IProbeStateGrain : IGrainWithStringKey
{
    [Alias("Set")] Task SetAsync(string value);
    [Alias("Get")] Task<ProbeState> GetAsync();
    [Alias("Silo")] Task<string> GetSiloAsync();
}

public sealed class ProbeStateGrain(
    [PersistentState("tests-probe-state")] IPersistentState<ProbeState> state,
    ILocalSiloDetails silo) : Grain, IProbeStateGrain
{
    public async Task SetAsync(string value)
    {
        state.State.Value = value;
        state.State.Writes++;
        await state.WriteStateAsync();
    }

    public Task<ProbeState> GetAsync() => Task.FromResult(state.State);

    public Task<string> GetSiloAsync() => Task.FromResult(silo.SiloAddress.ToString());
}

[Alias("tests.IProbeReminderGrain")]
public interface IProbeReminderGrain : IGrainWithGuidKey
{
    [Alias("Start")] Task StartAsync(TimeSpan due);
    [Alias("Stop")] Task StopAsync();
}

public sealed class ProbeReminderGrain : Grain, IProbeReminderGrain, IRemindable
{
    public static readonly ConcurrentDictionary<Guid, int> Ticks = new();

    public Task StartAsync(TimeSpan due) =>
        this.RegisterOrUpdateReminder("probe", due, TimeSpan.FromMinutes(1));

    public async Task StopAsync()
    {
        if (await this.GetReminder("probe") is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Ticks.AddOrUpdate(this.GetPrimaryKey(), 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }
}

[GenerateSerializer, Immutable, Alias("tests.probe-message")]
public sealed record ProbeMessage(
    [property: Id(0)] string Key,
    [property: Id(1)] int Sequence,
    [property: Id(2)] string Body,
    [property: Id(3)] bool FailOnFirstDelivery);

[Alias("tests.IProbeProducerGrain")]
public interface IProbeProducerGrain : IGrainWithStringKey
{
    [Alias("Publish")] Task PublishAsync(ProbeMessage message);
}

public sealed class ProbeProducerGrain : Grain, IProbeProducerGrain
{
    public const string Namespace = "tests-probe";

    public Task PublishAsync(ProbeMessage message) =>
        this.GetStreamProvider(EventsSubscriptions.Silo.Hosting.StorageNames.EventStream)
            .GetStream<ProbeMessage>(StreamId.Create(Namespace, this.GetPrimaryKeyString()))
            .OnNextAsync(message);
}

[Alias("tests.IProbeConsumerGrain")]
public interface IProbeConsumerGrain : IGrainWithStringKey;

[ImplicitStreamSubscription(ProbeProducerGrain.Namespace)]
public sealed class ProbeConsumerGrain : Grain, IProbeConsumerGrain, IStreamSubscriptionObserver, IAsyncObserver<ProbeMessage>
{
    public static readonly ConcurrentDictionary<string, ConcurrentQueue<ProbeMessage>> Received = new();
    public static readonly ConcurrentDictionary<string, int> Failures = new();

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<ProbeMessage>().ResumeAsync(this);

    public Task OnNextAsync(ProbeMessage item, StreamSequenceToken? token = null)
    {
        if (item.FailOnFirstDelivery && Failures.TryAdd($"{item.Key}/{item.Sequence}", 1))
        {
            throw new InvalidOperationException("probe consumer fails the first delivery on purpose");
        }
        Received.GetOrAdd(item.Key, _ => new ConcurrentQueue<ProbeMessage>()).Enqueue(item);
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
}
