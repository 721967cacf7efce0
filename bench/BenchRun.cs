namespace EventsSubscriptions.Bench;

/// <summary>
/// What every scenario works with: the options, the gateway's API, the local receiver, and the
/// run's id, which names what the run creates (resources, subscriptions) apart from earlier runs'.
/// </summary>
internal sealed record BenchRun(BenchOptions Options, GatewayApi Api, Receiver Receiver, string Id);
